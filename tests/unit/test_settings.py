"""Settings: every option documented, sample secrets refused in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from orchestrator.settings import Settings

ENV_EXAMPLE = Path(__file__).parents[2] / "compose" / ".env.example"


def test_every_option_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^(FERNBLICK_[A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.M))
    options = {f"FERNBLICK_{name.upper()}" for name in Settings.model_fields}
    assert options - documented == set(), "undocumented options"
    assert documented - options == set(), "documented options that do not exist"


def test_env_example_values_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.startswith("FERNBLICK_"):
            name, _, value = line.partition("=")
            if value:
                monkeypatch.setenv(name, value)
            else:
                monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.janus_nodes[0].name == "janus-1"
    assert settings.site_url == "http://127.0.0.1:8080"


def test_production_refuses_sample_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FERNBLICK_ENV", "production")
    monkeypatch.setenv("FERNBLICK_DATABASE_URL", "postgresql+asyncpg://x@db/x")
    with pytest.raises(ValidationError, match="FERNBLICK_JANUS_API_SECRET"):
        Settings()
    for name in (
        "JANUS_API_SECRET",
        "JANUS_ADMIN_SECRET",
        "JANUS_VIDEOROOM_ADMIN_KEY",
        "JANUS_EVENT_PASSWORD",
        "TURN_SECRET",
    ):
        monkeypatch.setenv(f"FERNBLICK_{name}", f"real-{name.lower()}-value")
    settings = Settings()
    assert settings.secure_cookies is True
    monkeypatch.setenv("FERNBLICK_DATABASE_URL", "sqlite+aiosqlite:///x.db")
    with pytest.raises(ValidationError, match="SQLite"):
        Settings()


def test_cli_refuses_to_start_with_sample_secrets(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from orchestrator.cli import main

    monkeypatch.setenv("FERNBLICK_ENV", "production")
    assert main(["migrate"]) == 2
    assert "sample secrets" in capsys.readouterr().err
