"""A call survives a network outage: the browsers reconnect within the grace period
(docs/calls.md, "Network loss").

Both browsers are forced onto TURN (``?ice=relay``) through a coturn of the test's
own; killing that coturn cuts every media path of the call at once, as a dropped
network would, without touching the signalling. coturn comes back on the same port,
the browsers restart ICE or rejoin with fresh TURN credentials, and the session is
still RUNNING afterwards.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    Contexts,
    running_stack,
    start_host_coturn,
)
from tests.e2e.pages import connect_call, reset_remote_frames, wait_for_remote_frames
from tests.support.coturn_server import stop_coturn

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

OUTAGE_SECONDS = 4


def test_a_call_survives_a_network_outage(
    request: pytest.FixtureRequest, browser: Browser, web_dist: Path, tmp_path: Path
) -> None:
    (tmp_path / "coturn").mkdir()
    coturn = start_host_coturn(tmp_path / "coturn")
    grace = {"FERNBLICK_CALL_GRACE_SECONDS": "30"}
    try:
        with running_stack(tmp_path / "stack", web_dist, coturn, extra_env=grace) as stack:
            contexts = Contexts(browser, stack.base_url, request.node)
            try:
                code_user, employee, session_id = connect_call(contexts, "?ice=relay")
                pages = (code_user.page, employee.page)
                for page in pages:
                    expect(page.get_by_test_id("call-screen")).to_have_attribute(
                        "data-candidate-type", "relay"
                    )

                stop_coturn(coturn)  # every media path of the call goes through it
                for page in pages:
                    expect(page.get_by_test_id("call-screen")).to_have_attribute(
                        "data-phase", "reconnecting", timeout=30_000
                    )
                time.sleep(OUTAGE_SECONDS)
                coturn = start_host_coturn(tmp_path / "coturn", port=coturn.port)

                for page in pages:
                    expect(page.get_by_test_id("call-screen")).to_have_attribute(
                        "data-phase", "connected", timeout=45_000
                    )
                    reset_remote_frames(page)
                    wait_for_remote_frames(page)
                assert employee.api_session(session_id)["status"] == "RUNNING"

                employee.page.get_by_test_id("hangup").click()
                for page in pages:
                    expect(page.get_by_test_id("call-screen")).to_have_count(0)
                employee.wait_for_status(session_id, "DONE")
            finally:
                contexts.close_all()
    finally:
        stop_coturn(coturn)
