"""What a notification says: German or English text from ``templates/``, with a deep link.

A template's first line is the subject (the title of in-app and push messages), the
rest the e-mail body. ``string.Template`` keeps them plain text an operator can edit
without knowing a template language; every placeholder is filled, so a typo fails
loudly in the tests instead of reaching an employee.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from orchestrator.domain.types import Language

TEMPLATES = Path(__file__).with_name("templates")
KINDS = ("session.requested", "session.confirmed", "session.cancelled", "call.ringing")
"""Message kinds: the event types the notifier tells about (a cancel is a status change)."""

_REASON = {Language.DE: "Grund: {}", Language.EN: "Reason: {}"}


@dataclass(frozen=True)
class MessageContext:
    """The facts a message is made of, loaded when it is sent."""

    kind: str
    language: Language
    recipient_name: str
    session_id: int
    number: int
    title: str
    reason: str
    caller: str
    site_url: str


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    url: str
    """The deep link into the back office: ``<site_url>/app/sessions/<id>``."""


def session_url(site_url: str, session_id: int) -> str:
    return f"{site_url.rstrip('/')}/app/sessions/{session_id}"


@cache
def _template(kind: str, language: Language) -> Template:
    return Template((TEMPLATES / f"{kind}.{language.value}.txt").read_text(encoding="utf-8"))


def render(context: MessageContext) -> Message:
    """The message for ``context`` in the recipient's language."""
    url = session_url(context.site_url, context.session_id)
    reason = context.reason.strip().splitlines()[0][:200] if context.reason.strip() else ""
    text = _template(context.kind, context.language).substitute(
        name=context.recipient_name,
        number=context.number,
        title=context.title,
        reason_line=_REASON[context.language].format(reason) + "\n" if reason else "",
        caller=context.caller or "?",
        url=url,
        settings_url=f"{context.site_url.rstrip('/')}/app/settings",
    )
    subject, _, body = text.partition("\n")
    return Message(subject=subject.strip(), body=body.lstrip("\n"), url=url)
