"""The office jobs: reminders and the admin e-mail, periodic reports, the Excel register."""
