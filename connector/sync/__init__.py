"""The sync engine: intake (poll → ledger → normalise → register), later the outbox and reconcile.

`sync_source` runs one intake cycle of one source; `connector sync` and (later) the scheduler call it.
"""

from connector.sync.intake import RunSummary, sync_source
from connector.sync.store import number_key

__all__ = ["RunSummary", "number_key", "sync_source"]
