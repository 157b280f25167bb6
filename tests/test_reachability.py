"""Every signal can succeed and every row of every state table can fire, from a fresh world.

Nothing here lists which request reaches which row: a seeded random search sends actions and
signals (aimed at the ids that exist, as a workbench and a switch would) to a fresh engine on
the bundled world, records the (table, trigger, state) pairs the machines fire or let through
in requests that succeeded, and must cover every pair the tables declare.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import INSTANCE, Agent

from callstate import Engine, Ids, JobState, ManualClock, MemoryStore, default_world
from callstate.domain import ACTIONS, SIGNALS, _states
from callstate.domain._states import StateTable
from callstate.engine._memory import _MemoryTransaction

GROUP = "skill-group@ccc-test"
MANUAL = "claims@ccc-test"
CLAIMS_NUMBER = "01087654321"
OUTSIDE = "13900000009"  # the manual group's overflow: a number outside the centre
SECOND = "second@ccc-test"


def routing_world() -> dict[str, Any]:
    """The bundled world, with every routing feature on: a manual group its number routes to,
    after-call work, overflow on queue timeout (to the manual group; from it, on its timeout or
    beyond one waiting call, to a number outside), the heartbeat timeout."""
    world = default_world().to_dict()
    inst = world["instances"][0]
    inst["numbers"].append(CLAIMS_NUMBER)
    inst["routes"] = {CLAIMS_NUMBER: {"skillGroup": MANUAL}}
    inst["ringTimeoutMs"] = 60_000
    inst["heartbeatTimeoutMs"] = 45_000  # shorter than a ring: a ringing agent can lose it
    inst["skillGroups"][0].update(acwMs=20_000, overflowSkillGroupId=MANUAL)
    inst["skillGroups"].append(
        {
            "skillGroupId": MANUAL,
            "routingType": "Manual",
            "queuingOverflowThreshold": 1,
            "overflowNumber": OUTSIDE,
        }
    )
    inst["users"][0]["skillGroups"].append(MANUAL)
    inst["users"].append(
        {"userId": SECOND, "extension": "80011475", "skillGroups": [GROUP, MANUAL]}
    )
    return world


TABLES = _states.TABLES


SUPERVISING = ("MonitorCall", "CoachCall", "BargeInCall", "InterceptCall")


def declared() -> set[tuple[str, str, str]]:
    """Every (table, trigger, source state) pair the tables declare, but supervision's."""
    return {
        (name, trigger, source)
        for name, table in TABLES.items()
        for trigger, event in table.machine.events.items()
        for source in event.transitions
        if trigger not in (*SUPERVISING, "supervised", "supervision_ended")
    }


class Recorder:
    """Records the pairs a decision moves through (guard-only rows too); kept if it commits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pending: set[tuple[str, str, str]] = set()
        self.reached: set[tuple[str, str, str]] = set()
        names = {id(t): n for n, t in TABLES.items()}
        move = StateTable.move

        def moved(table: StateTable[Any], record: object, trigger: str, now: int = -1) -> None:
            state = getattr(record, table.attribute).name
            move(table, record, trigger, now)  # a refusal raises: the pair is not reached
            self.pending.add((names[id(table)], trigger, state))

        begin, commit = MemoryStore.begin, _MemoryTransaction.commit

        def began(store: MemoryStore, new_job_id: Any) -> _MemoryTransaction:
            self.pending = set()  # what a refused decision reached does not count
            return begin(store, new_job_id)

        def committed(tx: _MemoryTransaction, *args: Any) -> Any:
            self.reached |= self.pending
            return commit(tx, *args)

        monkeypatch.setattr(StateTable, "move", moved)
        monkeypatch.setattr(MemoryStore, "begin", began)
        monkeypatch.setattr(_MemoryTransaction, "commit", committed)


#: Actions that end a session (or change nothing) are sent less often, so calls get deep;
RARE = {
    "ResetAgentState": 0.2,
    "SignOutGroup": 0.2,
    "ChangeWorkMode": 0.2,
    "PollUserStatus": 0.5,
    # and the steps of a consultation more often: each needs the one before it
    "InitiateAttendedTransfer": 6.0,
    "CompleteAttendedTransfer": 10.0,
    "CancelAttendedTransfer": 3.0,
    "SwitchToConference": 6.0,
    "AnswerCall": 3.0,
    # and what needs an answered call
    "MuteCall": 2.0,
    "UnmuteCall": 2.0,
    "SendDtmfSignaling": 2.0,
    # and a new conference less often: its agents are in a call with no customer to consult on
    "StartConference": 0.3,
    # Supervision is never drawn (a zero weight keeps the walk's draws as they were): its rows
    # need a supervisor and a talking agent at once and are scripted in test_supervision.py.
    **dict.fromkeys(SUPERVISING, 0.0),
    # The agent's reads and its phone move no row, and RedialCall's are MakeCall's (scripted in
    # test_user_reads.py and test_redial.py): never drawn, so the walk's draws stay as they were.
    **dict.fromkeys(("GetUser", "ListDevices", "GetLoginDetails", "RegisterDevice"), 0.0),
    "RedialCall": 0.0,
}
EXTENSIONS = {"user-test@ccc-test": "80011474", SECOND: "80011475"}


def steps(engine: Engine, rng: random.Random) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Endless plausible requests: ("action"|"signal"|"tick", name, params)."""
    users = ["user-test@ccc-test", SECOND]
    while True:
        view = engine.view(INSTANCE)
        assert view is not None
        live = [j for j in view.jobs.values() if j.state is not JobState.ENDED]
        jobs = live or list(view.jobs.values())
        kind = rng.choice(["action"] * 4 + ["signal"] * 4 + ["tick"])
        if kind == "tick":
            yield "tick", "", {"ms": rng.choice([1, 1000, 30_000, 50_000, 700_000])}
            continue
        names = sorted(ACTIONS if kind == "action" else SIGNALS)
        weights = [RARE.get(n, 1.0) for n in names]
        name = rng.choices(names, weights)[0]
        params: dict[str, Any] = {"InstanceId": INSTANCE}
        if jobs:
            job = rng.choice(jobs)
            legs = [c for c in job.channels if c.live] if rng.random() < 0.8 else []
            leg = rng.choice(legs or job.channels)
            params.update(JobId=job.job_id, ChannelId=leg.channel_id)
        if kind == "action" or name in ("CallOffered", "CallReoffered"):
            user = rng.choice(users)
            other = users[1 - users.index(user)]
            params.update(UserId=user, DeviceId="dev-1", SkillGroupId=rng.choice([GROUP, MANUAL]),
                          Transferee=rng.choice([other, GROUP]),
                          TransfereeType=rng.choice(["AGENT", "SKILL_GROUP"]),
                          ParticipantListJson=json.dumps([EXTENSIONS[other]]))  # fmt: skip
            if (
                kind == "action"
                and view.users[user].state.value == "OFFLINE"
                and rng.random() < 0.8
            ):
                name = "SignInGroup"  # a workbench signs in before it does anything else
            own = view.users[user].job_id
            if kind == "action" and own and rng.random() < 0.7:  # a workbench acts on its call
                params["JobId"] = own
        if name == "ClaimCall" and rng.random() < 0.7:
            params.pop("SkillGroupId")
        params.update(
            SignedSkillGroupIdList=json.dumps(rng.choice([[GROUP], [GROUP, MANUAL], [MANUAL]])),
            Caller=rng.choice(["01012345678", "13800000000"]),
            Callee=rng.choice(["13900000000", "01012345678", CLAIMS_NUMBER]),
            Code="lunch",
            WorkMode="ON_SITE",
            Route="sales",  # what a menu answers tones with (IvrRouted)
            Dtmf="1",
        )
        if name == "ReleaseCall" and rng.random() < 0.5:
            params.pop("ChannelId", None)
        yield kind, name, params


WORLD = routing_world()


def test_every_signal_and_every_table_row_is_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(monkeypatch)
    succeeded: set[str] = set()
    goal = declared()
    rng = random.Random(8)
    for _walk in range(12000):
        clock = ManualClock(1_700_000_000_000)
        engine = Engine(WORLD, clock=clock, ids=Ids(seed=1), store=MemoryStore(), network=None)
        walk = steps(engine, rng)
        for _ in range(40):
            kind, name, params = next(walk)
            if kind == "tick":
                clock.advance(params["ms"])
                engine.tick()
                continue
            reply = (engine.handle if kind == "action" else engine.signal)(name, params)
            if reply.ok and kind == "signal":
                succeeded.add(name)
        if goal <= recorder.reached and succeeded == set(SIGNALS):
            break
    assert sorted(set(SIGNALS) - succeeded) == []
    assert sorted(goal - recorder.reached) == [], (_walk, sorted(goal - recorder.reached))


def test_the_simulated_network_reports_early_media_and_ringing_as_the_world_says() -> None:
    world = default_world().to_dict()
    world["instances"][0]["dialling"]["numbers"] = {
        "13100000005": {"outcome": "answer", "afterMs": 2000, "earlyMedia": True},
        "13100000006": {"outcome": "busy", "afterMs": 500, "earlyMedia": True},
    }
    clock = ManualClock(1_700_000_000_000)
    engine = Engine(world, clock=clock, ids=Ids(seed=2))
    agent = Agent(engine, clock)
    agent.sign_in()
    seen: list[str] = []
    engine.subscribe(lambda e: seen.append(e.event_type.value))

    def customer_state(job: str) -> str:
        view = engine.view(INSTANCE)
        assert view is not None
        (leg,) = [c for c in view.jobs[job].channels if not c.user_id]
        return leg.state.value

    made = agent.ok("MakeCall", Caller="01012345678", Callee="13100000005")
    states = [c["ChannelState"] for c in made["CallContext"]["ChannelContexts"]]
    assert states == ["ANSWERED", "CREATED"]  # the reply: the far end has not reported yet
    job = made["CallContext"]["JobId"]
    assert customer_state(job) == "RINGING"  # early media, then ringing, at the dial instant
    assert seen == ["AgentDialing", "Dialing", "Ringing"]
    clock.advance(2000)
    engine.tick()
    assert customer_state(job) == "ANSWERED"
    assert agent.ok("ReleaseCall", JobId=job)["UserContext"]["UserState"] == "WORKING"
    agent.ok("ReadyForService")

    busy = agent.ok("MakeCall", Caller="01012345678", Callee="13100000006")["CallContext"]
    assert (
        customer_state(busy["JobId"]) == "EARLY_MEDIA"
    )  # an announcement; a busy line never rings
    clock.advance(500)
    engine.tick()
    assert customer_state(busy["JobId"]) == "RELEASED"
    assert seen.count("Ringing") == 1
    engine.close()
