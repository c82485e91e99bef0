"""The notifier: tells responsible employees about requests, in-app, by e-mail and Web Push.

See ``docs/notifications.md``.
"""
