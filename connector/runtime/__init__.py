"""The scheduled work: the job kernel, the jobs of the sync engine, their registry, alerts and the scheduler."""
