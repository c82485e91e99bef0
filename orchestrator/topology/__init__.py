"""The process topology: several orchestrators, workers and Janus nodes on one machine."""
