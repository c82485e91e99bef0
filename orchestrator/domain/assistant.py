"""A device's assistant: the action buttons shown on its page."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ButtonAction = Literal["request_session", "open_url", "call_phone", "show_text"]


class AssistantButton(BaseModel):
    """One button; ``request_session`` starts the video-session request flow."""

    model_config = ConfigDict(extra="forbid")

    label_de: str = Field(min_length=1, max_length=80)
    label_en: str = Field(min_length=1, max_length=80)
    action: ButtonAction
    target: str = Field(default="", max_length=2000, description="URL, phone number or text")

    @model_validator(mode="after")
    def _target_fits_action(self) -> AssistantButton:
        if self.action == "open_url" and not self.target.startswith(("https://", "http://")):
            raise ValueError("an open_url button needs an http(s) URL as target")
        if self.action in ("call_phone", "show_text") and not self.target.strip():
            raise ValueError(f"a {self.action} button needs a target")
        return self


def default_assistant() -> list[AssistantButton]:
    return [
        AssistantButton(
            label_de="Videositzung anfragen",
            label_en="Request a video session",
            action="request_session",
        )
    ]
