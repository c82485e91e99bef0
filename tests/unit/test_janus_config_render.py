"""Rendering the Janus templates: every placeholder filled, secrets where they belong."""

from __future__ import annotations

from pathlib import Path

import pytest

from janus_config.render import JanusNodeConfig, main, render

SECRETS = {"api_secret": "api-s3cret", "admin_secret": "admin-s3cret", "admin_key": "vr-k3y"}


def rendered(tmp_path: Path, **options: str | int) -> dict[str, str]:
    config = JanusNodeConfig(**SECRETS, **options)  # type: ignore[arg-type]
    render(config, tmp_path)
    return {path.name: path.read_text() for path in tmp_path.iterdir()}


def test_all_files_are_rendered_without_leftover_placeholders(tmp_path: Path) -> None:
    files = rendered(tmp_path, event_handler="sample", event_url="http://127.0.0.1:9/events")
    assert set(files) == {
        "janus.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.transport.http.jcfg",
        "janus.transport.websockets.jcfg",
        "janus.eventhandler.sampleevh.jcfg",
        "janus.eventhandler.rabbitmqevh.jcfg",
    }
    for name, text in files.items():
        assert "${" not in text, name
    assert 'backend = "http://127.0.0.1:9/events"' in files["janus.eventhandler.sampleevh.jcfg"]
    assert "enabled = true" in files["janus.eventhandler.sampleevh.jcfg"]
    assert "enabled = false" in files["janus.eventhandler.rabbitmqevh.jcfg"]
    assert "broadcast = true" in files["janus.jcfg"]


def test_secrets_land_only_in_their_own_files(tmp_path: Path) -> None:
    files = rendered(tmp_path)
    holders = {
        secret: sorted(name for name, text in files.items() if secret in text)
        for secret in SECRETS.values()
    }
    assert holders == {
        "api-s3cret": ["janus.jcfg"],
        "admin-s3cret": ["janus.jcfg"],
        "vr-k3y": ["janus.plugin.videoroom.jcfg"],
    }
    assert oct(tmp_path.stat().st_mode & 0o777) == "0o700"
    assert "token_auth = true" in files["janus.jcfg"]
    assert "lock_rtp_forward = true" in files["janus.plugin.videoroom.jcfg"]
    assert "string_ids = true" in files["janus.plugin.videoroom.jcfg"]


def test_without_an_event_handler_broadcast_is_off(tmp_path: Path) -> None:
    files = rendered(tmp_path)
    assert "broadcast = false" in files["janus.jcfg"]
    assert "libjanus_sampleevh.so" in files["janus.jcfg"].split("disable = ")[-1]


def test_optional_nat_settings_are_commented_unless_given(tmp_path: Path) -> None:
    plain = rendered(tmp_path / "plain")
    assert '#nat_1_1_mapping = "203.0.113.1"' in plain["janus.jcfg"]
    natted = rendered(
        tmp_path / "nat", nat_1_1_mapping="198.51.100.7", rtp_port_range="20000-20100"
    )
    assert 'nat_1_1_mapping = "198.51.100.7"' in natted["janus.jcfg"]
    assert 'rtp_port_range = "20000-20100"' in natted["janus.jcfg"]


def test_bad_configurations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="event URL"):
        JanusNodeConfig(api_secret="a", admin_secret="b", admin_key="c", event_handler="sample")
    with pytest.raises(ValueError, match="quotes"):
        JanusNodeConfig(api_secret='a"b', admin_secret="x", admin_key="y")
    with pytest.raises(SystemExit, match="--api-secret"):
        main(
            ["--out", str(tmp_path), "--admin-secret", "x", "--admin-key", "y", "--api-secret", ""]
        )
