"""The scheduled work: the job kernel, the sync engine's jobs, their registry, the alerts, the scheduler."""
