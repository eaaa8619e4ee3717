"""Periodic reports (.xlsx) in the Phụ lục layout of the justice regulation (Điều 13–15 of the 2018
justice seed, Điều 18–20 of the 2022 agriculture seed).

- `periods`: which stretch of time a report covers and on which day a profile's rule falls due;
- `rows`: which tasks a report lists and their status as of the report's date (read-only);
- `workbook`: the workbook itself (header, Phụ lục table, signature block, summary sheet),
  written atomically so no half-written file is ever left where a clerk looks;
- `make`: the one function both entries call; `cli` (`connector report`) and `job` (the scheduler).
"""
