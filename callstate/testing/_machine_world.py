"""The world :class:`~callstate.testing.CallCentreMachine` plays in, and the ids it aims at."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AGENTS",
    "CALLEES",
    "DEVICES",
    "FLOOR",
    "GROUPS",
    "INSTANCE",
    "MACHINE_WORLD",
    "NUMBERS",
    "SUPERVISOR",
]

INSTANCE = "ccc-test"
GROUPS = ("sales@ccc-test", "support@ccc-test")
NUMBERS = ("01010000001", "01010000002")
AGENTS = ("agent1@ccc-test", "agent2@ccc-test", "agent3@ccc-test")
DEVICES = ("dev-1", "dev-2")
#: The supervisor: supervises both groups, and signs in to a group of its own (the floor's),
#: which no number routes to and the machine transfers nothing to, so it is mostly READY to
#: supervise (an agent who also supervised was mostly busy with calls of its own).
SUPERVISOR = "supervisor@ccc-test"
FLOOR = "floor@ccc-test"
# Dialled numbers and what the simulated network makes them do.
CALLEES = {
    "13100000000": {"outcome": "answer", "afterMs": 0},
    "13100000001": {"outcome": "answer", "afterMs": 3000},
    "13100000002": {"outcome": "busy", "afterMs": 500},
    "13100000003": {"outcome": "noAnswer"},
    "13100000004": {"outcome": "reject", "afterMs": 1000},
    "13100000005": {"outcome": "answer", "afterMs": 2000, "earlyMedia": True},
    "13100000006": {"outcome": "busy", "afterMs": 500, "earlyMedia": True},
}

#: The world the machine plays in: three agents and a supervisor, two skill groups (and the
#: supervisor's), two numbers.
MACHINE_WORLD: dict[str, Any] = {
    "instances": [
        {
            "instanceId": INSTANCE,
            "numbers": list(NUMBERS),
            "holdMusic": ["default", "jazz"],
            "ringTimeoutMs": 20_000,
            "retentionMs": 60_000,
            "queuingTimeoutMs": 100_000,
            "skillGroups": [{"skillGroupId": g} for g in (*GROUPS, FLOOR)],
            "users": [
                *(
                    {
                        "userId": a,
                        "extension": f"8000000{i}",
                        "mobile": f"1390000000{i}",
                        "skillGroups": list(GROUPS[: 1 + i % 2]),
                    }
                    for i, a in enumerate(AGENTS)
                ),
                {
                    "userId": SUPERVISOR,
                    "extension": "80000009",
                    "skillGroups": [FLOOR],
                    "supervises": list(GROUPS),
                },
            ],
            "dialling": {"numbers": CALLEES},
        }
    ]
}
