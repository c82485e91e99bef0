"""Hardening at the HTTP edge: rate limits, security headers, client addresses."""
