"""TURN REST credentials against a real coturn on loopback, and the ICE server list."""

from __future__ import annotations

import subprocess

import pytest

from orchestrator.auth.turn import ice_servers, turn_credentials, turn_password
from orchestrator.settings import load_settings
from tests.support.coturn_server import CoturnServer, coturn_server_fixture  # noqa: F401

pytestmark = pytest.mark.janus


def allocate_relay(server: CoturnServer, username: str, password: str) -> int:
    """Two TURN allocations that relay a few packets to each other; coturn's exit code."""
    command = [
        "turnutils_uclient",
        "-y",  # client to client through the relays: no peer outside
        "-c",  # no RTCP channel
        "-n", "2",
        "-p", str(server.port),
        "-L", "127.0.0.1",
        "-u", username,
        "-w", password,
        server.host,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, timeout=60, check=False)
    return completed.returncode


def test_coturn_accepts_generated_credentials(coturn_server: CoturnServer) -> None:
    credentials = turn_credentials(coturn_server.secret, "participant-1", 600)
    assert allocate_relay(coturn_server, credentials.username, credentials.credential) == 0


def test_coturn_rejects_a_wrong_password(coturn_server: CoturnServer) -> None:
    credentials = turn_credentials(coturn_server.secret, "participant-2", 600)
    wrong = turn_password("another-secret", credentials.username)
    assert allocate_relay(coturn_server, credentials.username, wrong) != 0


def test_coturn_rejects_expired_credentials(coturn_server: CoturnServer) -> None:
    expired = turn_credentials(coturn_server.secret, "participant-3", 60, now=1_000_000_000)
    assert allocate_relay(coturn_server, expired.username, expired.credential) != 0


def test_credentials_follow_the_turn_rest_format() -> None:
    credentials = turn_credentials("secret", "user:with:colons", 300, now=1_700_000_000)
    assert credentials.username == "1700000300:user_with_colons"
    assert credentials.expires_at == 1_700_000_300
    # echo -n 1700000300:user_with_colons | openssl dgst -sha1 -hmac secret -binary | base64
    assert credentials.credential == "kt19WdHtB/iDc4gjhH9MzQaVMyo="
    with pytest.raises(ValueError):
        turn_credentials("secret", "user", 0)


def test_ice_servers_lists_stun_then_turn_and_omits_what_is_not_configured(
    coturn_server: CoturnServer,
) -> None:
    settings = load_settings(
        stun_urls=[coturn_server.stun_url],
        turn_urls=[coturn_server.turn_url],
        turn_secret=coturn_server.secret,
        turn_ttl_seconds=120,
    )
    stun, turn = ice_servers(settings, "participant-4", now=1_700_000_000)
    assert stun == {"urls": [coturn_server.stun_url]}
    assert turn == {
        "urls": [coturn_server.turn_url],
        "username": "1700000120:participant-4",
        "credential": turn_password(coturn_server.secret, "1700000120:participant-4"),
    }
    assert ice_servers(load_settings(stun_urls=[], turn_urls=[]), "participant-4") == []
