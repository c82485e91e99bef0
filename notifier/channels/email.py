"""E-mail over SMTP with ``aiosmtplib`` (decision 0007: native asyncio, timeouts, TLS).

One connection per message keeps failure handling simple (a dead connection never
poisons the next message); at our volumes (a handful of employees per request) the
extra handshake is cheap. Authentication and TLS follow the settings.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from notifier.channels.base import Delivery, DeliveryFailed
from orchestrator.domain.types import NotificationChannel
from orchestrator.settings import Settings

# SMTP reply codes that will not change on retry: mailbox unknown, relaying denied…
_PERMANENT_RECIPIENT_CODES = range(500, 600)


def build_email(delivery: Delivery, sender: str) -> EmailMessage:
    """A plain-text message with the deep link, threaded per session."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = delivery.email
    mail["Subject"] = delivery.message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"notification-{delivery.notification_id}")
    mail["X-Fernblick-Notification"] = str(delivery.notification_id)
    if delivery.session_id is not None:
        mail["X-Fernblick-Session"] = str(delivery.session_id)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(delivery.message.body)
    return mail


class EmailChannel:
    name = NotificationChannel.EMAIL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, delivery: Delivery) -> None:
        if not delivery.email:
            raise DeliveryFailed("the employee has no e-mail address", permanent=True)
        s = self.settings
        password = s.smtp_password.get_secret_value()
        try:
            await aiosmtplib.send(
                build_email(delivery, s.smtp_from),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=password or None,
                use_tls=s.smtp_tls == "tls",
                start_tls={"auto": None, "starttls": True, "tls": False, "none": False}[s.smtp_tls],
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [r.code for r in error.recipients]
            permanent = all(code in _PERMANENT_RECIPIENT_CODES for code in codes)
            raise DeliveryFailed(f"recipient refused: {error}", permanent=permanent) from error
        except aiosmtplib.SMTPResponseException as error:
            permanent = error.code in _PERMANENT_RECIPIENT_CODES
            raise DeliveryFailed(
                f"SMTP {error.code}: {error.message}", permanent=permanent
            ) from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise DeliveryFailed(f"SMTP server unreachable: {error!r}") from error

    async def close(self) -> None:
        """Nothing held open between messages."""
