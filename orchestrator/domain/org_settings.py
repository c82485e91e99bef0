"""An organisation's settings: the video-session module and the request flow."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.domain.types import RequestPolicy, RequestStep


class OrganisationSettings(BaseModel):
    """Stored as JSON on the organisation; validated on every write."""

    model_config = ConfigDict(extra="forbid")

    recording_allowed: bool = Field(
        default=False, description="Whether sessions of this organisation may be recorded."
    )
    who_may_request: RequestPolicy = Field(
        default=RequestPolicy.ANYONE,
        description="Who may request a video session from a device page.",
    )
    request_steps: list[RequestStep] = Field(
        default_factory=lambda: [RequestStep.REASON, RequestStep.CONTACT, RequestStep.CONSENT],
        description="The steps of the code user's request flow, in order.",
    )
    labels: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Labels a code user may pick in the labels step.",
    )
    request_contact_hint: str = Field(
        default="",
        max_length=500,
        description="Whom to contact when requests are not allowed (shown on the device page).",
    )

    @field_validator("request_steps")
    @classmethod
    def _unique_steps(cls, steps: list[RequestStep]) -> list[RequestStep]:
        if len(set(steps)) != len(steps):
            raise ValueError("each request step may appear once")
        return steps

    @field_validator("labels")
    @classmethod
    def _clean_labels(cls, labels: list[str]) -> list[str]:
        cleaned = [label.strip() for label in labels]
        if any(not label or len(label) > 60 for label in cleaned):
            raise ValueError("labels must be 1 to 60 characters")
        return cleaned
