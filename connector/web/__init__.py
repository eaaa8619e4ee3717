"""The staff dashboard: read the register without logging in; act (confirm, correct, re-run) after it."""
