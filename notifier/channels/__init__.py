"""Delivery channels: in-app (WebSocket fan-out), e-mail (SMTP), Web Push (VAPID)."""
