"""`connector run`: the service — every job on its schedule and the dashboard beside them, until SIGTERM.

The front end composes the parts: the composition root's adapters, the scheduler's loop
(`connector.runtime.scheduler`) and the web front end's starter, so that neither of the two
lower layers imports the other or the front end.
"""

from __future__ import annotations

from connector.calendar import WorkingCalendar
from connector.config import Config
from connector.mappings import Mappings
from connector.runtime.scheduler import run_service
from connector.service import ConfiguredAdapters
from connector.web.app import start_dashboard


def run(cfg: Config, maps: Mappings, cal: WorkingCalendar) -> int:
    """Run until SIGTERM/SIGINT; 0 after a clean stop (a held lock raises LockHeldError: exit 2)."""
    adapters = ConfiguredAdapters(cfg, maps)
    return run_service(cfg, maps, cal, adapters, frontend=start_dashboard(cfg, maps, cal, adapters))
