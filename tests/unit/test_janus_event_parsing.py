"""Which Janus events move call legs, checked on events recorded from Janus 1.1.2.

The batch below is what the sample event handler posted while one publisher joined a
room, published video, closed its PeerConnection, detached and left (trimmed to
the event kinds Fernblick looks at, plus a few it must ignore).
"""

from __future__ import annotations

from orchestrator.janus.events import LegJoined, LegLeft, LegMedia, leg_update, parse_batch
from orchestrator.janus.rooms import KEY_PATTERN

ROOM = "s-1-uf_WPaPbnkMb5v-H"
TOKEN = f"{ROOM}.employee:1.FeyHyrb7XIeUwiJ0poXQgiJAI44G953E"
SESSION, HANDLE = 4224301261182643, 4268020215693352
HEADER = {"emitter": "janus-1", "session_id": SESSION, "handle_id": HANDLE}

RECORDED = [
    {**HEADER, "type": 1, "handle_id": None, "event": {"name": "created"}},
    {**HEADER, "type": 2, "event": {"name": "attached", "plugin": "janus.plugin.videoroom"}},
    {
        **HEADER,
        "type": 64,
        "event": {
            "plugin": "janus.plugin.videoroom",
            "data": {
                "event": "joined",
                "room": ROOM,
                "id": "0a71",
                "token": TOKEN,
                "display": "employee:1",
            },
        },
    },
    {**HEADER, "type": 16, "subtype": 6, "event": {"connection": "webrtcup"}},
    {
        **HEADER,
        "type": 32,
        "subtype": 1,
        "event": {"media": "video", "mid": "0", "receiving": True},
    },
    {**HEADER, "type": 32, "subtype": 3, "event": {"media": "video", "packets-received": 90}},
    {
        "emitter": "janus-1",
        "type": 64,
        "event": {
            "plugin": "janus.plugin.videoroom",
            "data": {"event": "unpublished", "room": ROOM, "id": "0a71"},
        },
    },
    {**HEADER, "type": 16, "subtype": 6, "event": {"connection": "hangup", "reason": "DTLS alert"}},
    {**HEADER, "type": 2, "event": {"name": "detached", "plugin": "janus.plugin.videoroom"}},
    {**HEADER, "type": 1, "handle_id": None, "event": {"name": "destroyed"}},
    "not an event",
]


def test_the_recorded_batch_yields_join_media_and_leave() -> None:
    updates = [leg_update(event) for event in parse_batch(RECORDED)]
    assert updates == [
        None,
        None,
        LegJoined(HANDLE, SESSION, ROOM, TOKEN),
        None,
        LegMedia(HANDLE, "0", True),
        None,
        None,
        LegLeft(handle_id=HANDLE),
        LegLeft(handle_id=HANDLE),
        LegLeft(janus_session_id=SESSION),
    ]


def test_a_single_event_object_is_a_batch_of_one() -> None:
    (event,) = parse_batch(RECORDED[4])
    assert leg_update(event) == LegMedia(HANDLE, "0", True)


def test_participant_keys_fit_room_tokens() -> None:
    assert KEY_PATTERN.match("employee:1") and KEY_PATTERN.match("code_user:42")
    assert not KEY_PATTERN.match("employee.1")  # a dot would break the token's fields
