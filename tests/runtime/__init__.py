"""`connector run` and `connector sync`: the scheduler service, its lock, signals, alerts, logs."""
