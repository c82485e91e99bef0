"""What operators see of a running process: logs, metrics, health and readiness."""
