"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts.

It can be started late or stopped (the "SMTP down" tests) and refuse chosen
recipients with a permanent 550, as a real mail server does for unknown mailboxes.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Captured:
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        return str(body.get_content()) if body is not None else ""


@dataclass
class CapturingHandler:
    mails: list[Captured] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.mails.append(Captured(list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpServer:
    """``start()``/``stop()`` on a fixed port, so the notifier's settings stay valid."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = CapturingHandler()
        self._controller: Controller | None = None

    @property
    def mails(self) -> list[Captured]:
        return self.handler.mails

    def to(self, address: str) -> list[Captured]:
        return [m for m in self.mails if address in m.recipients]

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
