"""The ``fernblick`` command: migrate, create-admin, create-device, seed-demo."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.cli import main


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """``main`` sets up the process's logging; the other tests in this process keep theirs."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def create_device(name: str, qr: Path) -> int:
    """``fernblick create-device`` by the administrator the test created, QR code to ``qr``."""
    return main(
        ["create-device", "--admin-email", "boss@example.org", "--name", name, "--qr", str(qr)]
    )


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("FERNBLICK_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("FERNBLICK_PUBLIC_URL", "https://support.example.com")
    return tmp_path


def test_migrate_admin_device_and_demo(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0  # idempotent
    assert (
        main(
            [
                "create-admin",
                "--email",
                "Boss@Example.org",
                "--password",
                "long-enough-pw",
                "--organisation",
                "Acme",
            ]
        )
        == 0
    )
    qr = env / "device.svg"
    assert create_device("Press 7", qr) == 0
    out = capsys.readouterr().out
    assert "administrator boss@example.org created" in out
    assert "device 'Press 7': https://support.example.com/d/" in out
    assert qr.read_text().startswith("<svg")
    png = env / "device.png"
    assert create_device("Press 8", png) == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert main(["seed-demo"]) == 0
    assert "admin@demo.fernblick.test / fernblick-demo" in capsys.readouterr().out
    assert main(["seed-demo"]) == 0
    assert "demo data exists already" in capsys.readouterr().out


def test_errors_are_messages_not_tracebacks(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["create-admin", "--email", "a@example.org", "--password", "short"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["create-device", "--admin-email", "nobody@example.org", "--name", "X"]) == 1
    assert "no administrator" in capsys.readouterr().err
