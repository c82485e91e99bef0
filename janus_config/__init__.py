"""Janus configuration templates and the scripts that render them and start Janus."""
