"""Screenshots taken in a call and the annotations drawn on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from orchestrator.db.models.base import Base


class Screenshot(Base):
    """A still of the code user's camera taken in a call, annotated by both sides
    (``orchestrator/actions/screenshots.py``); stored as artifacts after the call."""

    __tablename__ = "screenshots"
    __table_args__ = (UniqueConstraint("session_id", "public_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("video_sessions.id", ondelete="CASCADE"), index=True
    )
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    public_id: Mapped[str] = mapped_column(String(40))
    """The id the browsers know it by (made by the employee's browser)."""
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(50))
    taken_by: Mapped[str] = mapped_column(String(100))
    taken_at: Mapped[datetime] = mapped_column()
    finalized_at: Mapped[datetime | None] = mapped_column()
    """Set once, by whichever orchestrator stores it after the call."""
    original_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL")
    )
    annotated_artifact_id: Mapped[int | None] = mapped_column(
        ForeignKey("artifacts.id", ondelete="SET NULL")
    )


class ScreenshotElement(Base):
    """The winning version of one annotation element (``realtime/board_merge.py``)."""

    __tablename__ = "screenshot_elements"
    __table_args__ = (UniqueConstraint("screenshot_id", "element_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screenshot_id: Mapped[int] = mapped_column(
        ForeignKey("screenshots.id", ondelete="CASCADE"), index=True
    )
    element_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
