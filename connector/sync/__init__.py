"""The sync engine: intake (poll → ledger → normalise → register), the outbox uploader, reconcile, rerun.

`connector.sync.intake.sync_source` runs one intake cycle of one source; the scheduler's jobs
(`connector.runtime.jobs`) and `connector rerun` call into these modules. The package itself
exports nothing, so that importing one module never imports the others.
"""
