"""The office's Excel register: export the register as a workbook, import an existing one (issue 7)."""
