"""The stored and rendered forms the stores own: the snapshot's, and stamped events."""

from __future__ import annotations

import json
from typing import Any

import attrs
from conftest import INSTANCE, Agent

from callstate import Engine, Event, EventType, Ids, ManualClock

START = 1_609_255_700_000

#: A held call's instance as ``engine.snapshot()`` renders it, key order included ({job},
#: {customer} and {agent} stand for the call's ids): pinned as it rendered before the stores
#: took the JSON form over from the domain's records.
SNAPSHOT = """
{
    "lastNow": 1609255703250,
    "seq": 13,
    "users": {
        "user-test@ccc-test": {
            "user_id": "user-test@ccc-test",
            "instance_id": "ccc-test",
            "extension": "80011474",
            "mobile": "13900000001",
            "work_mode": "ON_SITE",
            "skill_group_ids": [
                "skill-group@ccc-test"
            ],
            "state": "TALKING",
            "break_code": "Warm-up",
            "device_id": "ACC-YUNBS-1.0.10-bs990cd82101cc000176af19ec8e",
            "chat_device_id": "",
            "signed_skill_group_ids": [
                "skill-group@ccc-test"
            ],
            "job_id": "{job}",
            "heartbeat": 1609255703250,
            "reserved": 1609255700000,
            "outbound_scenario": false,
            "state_since": 1609255700000,
            "calls_answered": 0,
            "registered_device": "",
            "registration_expires_ms": 0
        }
    },
    "jobs": {
        "{job}": {
            "job_id": "{job}",
            "instance_id": "ccc-test",
            "call_type": "OUTBOUND",
            "caller": "01012345678",
            "callee": "13900000000",
            "created_ms": 1609255700000,
            "skill_group_id": "skill-group@ccc-test",
            "state": "ACTIVE",
            "channels": [
                {
                    "channel_id": "ch:user:13900000000->80011474:1609255700000:{job}",
                    "job_id": "{job}",
                    "party": "user",
                    "originator": "13900000000",
                    "destination": "80011474",
                    "skill_group_id": "skill-group@ccc-test",
                    "user_id": "user-test@ccc-test",
                    "user_extension": "80011474",
                    "timestamp": 1609255700000,
                    "media_type": "AUDIO",
                    "state": "ANSWERED",
                    "hold_state": "ACTIVE",
                    "release_initiator": "",
                    "release_reason": "",
                    "holds": [],
                    "recalled": false,
                    "call_type": "",
                    "answered_ms": 1609255700000,
                    "mute_state": "UNMUTED",
                    "mutes": [],
                    "supervision": "NONE",
                    "scenario": "",
                    "ring_timeout_ms": 0
                },
                {
                    "channel_id": "ch:customer:01012345678->13900000000:1609255700000:{job}",
                    "job_id": "{job}",
                    "party": "customer",
                    "originator": "01012345678",
                    "destination": "13900000000",
                    "skill_group_id": "skill-group@ccc-test",
                    "user_id": "",
                    "user_extension": "80011474",
                    "timestamp": 1609255703250,
                    "media_type": "AUDIO",
                    "state": "ANSWERED",
                    "hold_state": "HELD",
                    "release_initiator": "",
                    "release_reason": "",
                    "holds": [
                        {
                            "start_ms": 1609255701000,
                            "end_ms": 1609255701500,
                            "music": "",
                            "by_user": "user-test@ccc-test"
                        },
                        {
                            "start_ms": 1609255702500,
                            "end_ms": 1609255703000,
                            "music": "",
                            "by_user": "user-test@ccc-test"
                        },
                        {
                            "start_ms": 1609255703250,
                            "end_ms": null,
                            "music": "",
                            "by_user": "user-test@ccc-test"
                        }
                    ],
                    "recalled": false,
                    "call_type": "",
                    "answered_ms": 0,
                    "mute_state": "UNMUTED",
                    "mutes": [
                        {
                            "start_ms": 1609255703000,
                            "end_ms": 1609255703250,
                            "by_user": "user-test@ccc-test"
                        }
                    ],
                    "supervision": "NONE",
                    "scenario": "",
                    "ring_timeout_ms": 0
                }
            ],
            "established_ms": 1609255700000,
            "ended_ms": 0,
            "timeout_ms": 30000,
            "queue_deadline_ms": 0,
            "release_initiator": "",
            "release_reason": "",
            "disposition": "",
            "queue": "",
            "priority": 5,
            "queued_ms": 0,
            "consulting": "",
            "scenario": ""
        }
    },
    "queues": {},
    "timers": []
}
"""


def test_the_snapshot_renders_every_field_of_a_held_call_in_order() -> None:
    """A leg's mutes are listed beside its hold intervals, in the same form."""
    clock = ManualClock(START)
    engine = Engine(clock=clock, ids=Ids(seed=1), network=None)
    agent = Agent(engine, clock)
    agent.sign_in()
    call = agent.dial("13900000000")
    engine.signal("FarEndAnswered", {"InstanceId": INSTANCE, "JobId": call.job,
                                     "ChannelId": call.customer_leg})  # fmt: skip
    for _ in range(2):  # closed intervals, then an open one
        clock.advance(1000)
        agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
        clock.advance(500)
        agent.ok("RetrieveCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("MuteCall", JobId=call.job, ChannelId=call.customer_leg)  # a closed mute
    clock.advance(250)
    agent.ok("UnmuteCall", JobId=call.job, ChannelId=call.customer_leg)
    agent.ok("HoldCall", JobId=call.job, ChannelId=call.customer_leg)
    rendered = json.dumps(engine.snapshot()["instances"][INSTANCE], indent=4)
    ids = {call.job: "{job}", call.customer_leg: "{customer}", call.agent_leg: "{agent}"}
    for value, name in ids.items():
        rendered = rendered.replace(value, name)
    assert rendered == SNAPSHOT.strip()


def test_a_stamped_event_is_a_new_value_with_every_other_field_kept() -> None:
    base = Event(EventType.Held, 3, INSTANCE)
    for field in attrs.fields(Event):
        if field.name == "seq":
            continue
        marker: Any = object()  # attrs does not check types: any field can carry it
        event = attrs.evolve(base, **{field.name: marker})
        stamped = event.stamped(7)
        assert stamped is not event and event.seq == 0, "stamping changed the event"
        assert stamped.seq == 7
        assert getattr(stamped, field.name) is marker, f"stamped dropped {field.name}"
