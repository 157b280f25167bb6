"""A ready-made Hypothesis state machine over every action and signal, with the invariants.

``CallCentreMachine`` drives an :class:`~callstate.Engine` with random agent actions, network
signals and clock moves (backwards too), aiming most requests at ids that exist so that calls
get deep (dialled, answered, held, released, re-offered), and some at ids that do not. After
every step it checks the invariants below. Run it as a test::

    from callstate.testing import CallCentreMachine
    TestCallCentre = CallCentreMachine.TestCase

Subclass it and override :meth:`CallCentreMachine.make_engine` to check another store, or an
engine wired into your own service; override ``make_client(engine)`` to answer your own client
(a :class:`~callstate.testing.CallCentreClient` talking to ``engine``): every action then goes
through it and is held to a reference engine (``_machine_client.py`` says how).

Invariants (checked on the engine's live state after every step):

* every reply is the documented shape, never a 500, and an error is a catalogued one;
* a TALKING agent has exactly one ANSWERED leg in its current call;
* an agent who is DIALING, RINGING or TALKING has a live call; JobId is set exactly while the
  agent is DIALING, RINGING, TALKING or WORKING;
* a held leg is ANSWERED; a RELEASED leg is not held and has no open hold interval; a leg has
  an open interval exactly while held;
* every Timestamp and Heartbeat is non-decreasing, whatever the clock does;
* a signed-in user's active device is the one of their last successful SignInGroup, an
  OFFLINE user has none;
* every call's legs belong to it, and channel ids are unique;
* a live call has a live customer, and an ended call no live leg;
* every ended call published exactly one ``CDRReady``, a live call none; event ``seq`` goes up by
  one per event;
* no queued call outlives its deadline (the instance's ``queuingTimeoutMs`` after it was
  queued), and only a queued call has one;
* the invariants of calls with many parties (transfers, consultations, and whatever parties
  the records add), and a refusal changes nothing: ``_machine_parties.py``;
* a supervised call always has its agent (an answered leg that is not a supervisor's); a
  supervisor is in one call at most (the one it supervises); hold and mute intervals are well
  nested and closed on release (``_invariants.py``);
* a read (GetUser, ListDevices, GetLoginDetails, the real-time board) changes nothing and
  agrees with the other reads and the live state (``_machine_workbench.py``).

The world (``_machine_world.py``) has a supervisor of its own beside the three agents: the agent
rules leave it alone, so it is mostly READY when an agent talks, and supervision succeeds.
Agents call each other's extensions, and transfer, consult and conference to numbers outside,
which the world's network plays.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from ..api import Reply
from ..domain import (
    ChannelState,
    Event,
    EventType,
    JobState,
    Party,
    UserState,
    World,
)
from ..engine import Engine, Ids, ManualClock
from ._machine_workbench import Workbench
from ._machine_world import (
    AGENTS,
    CALLEES,
    DEVICES,
    FLOOR,
    GROUPS,
    INSTANCE,
    MACHINE_WORLD,
    NUMBERS,
    SUPERVISOR,
)

__all__ = ["MACHINE_WORLD", "CallCentreMachine"]


_CALLER_SIGNALS = (
    "FarEndEarlyMedia",
    "FarEndRinging",
    "FarEndAnswered",
    "FarEndBusy",
    "FarEndNoAnswer",
    "FarEndRejected",
    "FarEndHungUp",
    "RingTimeout",
)


class CallCentreMachine(Workbench):
    """Random agent actions, network signals and clock moves, checked against the invariants."""

    #: The world document the engine is built on (override in a subclass for another).
    world: ClassVar[dict[str, Any]] = MACHINE_WORLD

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(1_700_000_000_000)
        self.engine = self.make_engine(World.from_dict(self.world), self.clock)
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)
        self.cdrs: Counter[str] = Counter()
        self.devices: dict[str, str] = {}
        self.heartbeats: dict[str, int] = {}
        self.timestamps: dict[str, int] = {}
        self.connect_client()

    def make_engine(self, world: World, clock: ManualClock) -> Engine:
        """The engine under test; override to test another store or configuration."""
        return Engine(world, clock=clock, ids=Ids(seed=0))

    def teardown(self) -> None:
        """Close the engines."""
        self.close_client()
        self.engine.close()

    def send(self, action: str, user: str, **params: str) -> Reply:
        """Send an action; note the device a signing-in (or out) agent is on."""
        reply = super().send(action, user, **params)
        if reply.ok and action == "SignInGroup":
            self.devices[user] = params["DeviceId"]
        if reply.ok and action in ("SignOutGroup", "ResetAgentState"):
            self.devices.pop(user, None)
        return reply

    def groups_of(self, user: str) -> tuple[str, ...]:
        """The skill groups the user is signed in to now."""
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view.users[user].signed_skill_group_ids

    # --- agent actions -----------------------------------------------------------------------
    @initialize()
    def everyone_signs_in(self) -> None:
        """Every agent signs in to the skill groups they belong to."""
        for i, user in enumerate(AGENTS):
            groups = json.dumps(list(GROUPS[: 1 + i % 2]))
            reply = self.send(
                "SignInGroup", user, DeviceId=DEVICES[0], SignedSkillGroupIdList=groups
            )
            assert reply.ok, reply.body
            self.devices[user] = DEVICES[0]
        reply = self.send(
            "SignInGroup", SUPERVISOR, DeviceId=DEVICES[1], SignedSkillGroupIdList=f'["{FLOOR}"]'
        )
        assert reply.ok, reply.body

    @rule(
        data=st.data(),
        action=st.sampled_from(
            ["ReadyForService"] * 4
            + ["PollUserStatus"] * 2
            + ["SignInGroup"] * 2
            + ["TakeBreak", "SignOutGroup", "ResetAgentState", "ChangeWorkMode"]
        ),
    )
    def agent_state(self, data: st.DataObject, action: str) -> None:
        """An agent-state action: mostly getting ready again after a call, sometimes leaving."""
        user = self.agent(data, UserState.WORKING, UserState.BREAK, UserState.OFFLINE)
        params: dict[str, str] = {}
        if action == "SignInGroup":
            groups = data.draw(
                st.lists(st.sampled_from((*GROUPS, "nope@ccc-test")), max_size=2, unique=True)
            )
            params = {
                "SignedSkillGroupIdList": json.dumps(groups),
                "Additivity": str(data.draw(st.booleans())),
                "DeviceId": data.draw(st.sampled_from(DEVICES)),
            }
        elif action == "ReadyForService":
            params = {"OutboundScenario": str(data.draw(st.booleans()))}
        elif action == "TakeBreak":
            params = {"Code": "lunch"}
        elif action == "ChangeWorkMode":
            params = {"WorkMode": data.draw(st.sampled_from(["ON_SITE", "OFF_SITE", "X"]))}
        self.send(action, user, **params)

    @rule(
        data=st.data(),
        callee=st.sampled_from((*CALLEES, *CALLEES, "80000001")),
        caller=st.sampled_from((*NUMBERS, *NUMBERS, "", "0000")),
    )
    def make_call(self, data: st.DataObject, callee: str, caller: str) -> None:
        """MakeCall to a number with a scripted behaviour (or to an internal extension)."""
        user = self.agent(data, UserState.READY)
        self.send("MakeCall", user, Callee=callee, Caller=caller, DeviceId=self.device(data, user))

    @rule(data=st.data(), action=st.sampled_from(["AnswerCall", "ReleaseCall"]), own=st.booleans())
    def answer_or_release(self, data: st.DataObject, action: str, own: bool) -> None:
        """AnswerCall, or ReleaseCall of the agent's own leg or a named one."""
        ringing = action == "AnswerCall"
        user = self.agent(
            data, *([UserState.RINGING] if ringing else [UserState.TALKING, UserState.DIALING])
        )
        job, leg = self.pick(data, user)
        params = {"JobId": job, "DeviceId": self.device(data, user)}
        if not (ringing or own):
            params["ChannelId"] = leg
        self.send(action, user, **params)

    @rule(data=st.data(), music=st.sampled_from(["", "", "jazz", "x"]))
    def hold_call(self, data: st.DataObject, music: str) -> None:
        """HoldCall, mostly on a leg of the agent's call that is not held."""
        user = self.agent(data, UserState.TALKING)
        job, leg = self.pick(data, user, held=False)
        device = self.device(data, user)
        self.send("HoldCall", user, JobId=job, ChannelId=leg, Music=music, DeviceId=device)

    @rule(data=st.data())
    def retrieve_call(self, data: st.DataObject) -> None:
        """RetrieveCall, mostly on a held leg of the agent's call."""
        user = self.agent(data, UserState.TALKING)
        job, leg = self.pick(data, user, held=True)
        self.send("RetrieveCall", user, JobId=job, ChannelId=leg, DeviceId=self.device(data, user))

    # --- the network ---------------------------------------------------------------------------
    @rule(data=st.data())
    def offer_call(self, data: st.DataObject) -> None:
        """An inbound call is offered to an agent, mostly through one of their groups."""
        user = self.agent(data, UserState.READY)
        groups = self.groups_of(user) or GROUPS
        group = data.draw(st.sampled_from([*groups, *groups, "nope@ccc-test"]))
        callee = data.draw(st.sampled_from([*NUMBERS, "0000"]))
        self.send_signal(
            "CallOffered", Caller="13812345678", Callee=callee, UserId=user, SkillGroupId=group
        )

    @rule(data=st.data())
    def reoffer_call(self, data: st.DataObject) -> None:
        """A queued call is offered to an agent again."""
        user = self.agent(data, UserState.READY)
        job, _ = self.pick(data, user, queued=True)
        group = data.draw(st.sampled_from(self.groups_of(user) or GROUPS))
        self.send_signal("CallReoffered", JobId=job, UserId=user, SkillGroupId=group)

    @rule(data=st.data(), name=st.sampled_from(_CALLER_SIGNALS))
    def leg_signal(self, data: st.DataObject, name: str) -> None:
        """A far-end signal, or a ring timeout, on some leg of some call."""
        user = self.agent(data, UserState.DIALING, UserState.RINGING, UserState.TALKING)
        job, leg = self.pick(data, user)
        self.send_signal(name, JobId=job, ChannelId=leg)

    @rule(ms=st.sampled_from([1, 100, 1000, 5000, 30_000, 120_000]))
    def time_passes(self, ms: int) -> None:
        """The clock moves on; the simulated network's due signals are applied."""
        self.clock.advance(ms)
        self.tick()

    @rule(ms=st.sampled_from([1, 2000]))
    def clock_goes_back(self, ms: int) -> None:
        """The clock jumps backwards (NTP): the engine must not let timestamps follow it."""
        self.clock.advance(-ms)

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def events_are_sequenced_and_calls_have_one_cdr(self) -> None:
        """Event seq goes up by one; CDRReady once per ended call, none for a live one."""
        for before, after in zip(self.events, self.events[1:], strict=False):
            assert after.seq == before.seq + 1
        self.cdrs = Counter(e.contact_id for e in self.events if e.event_type is EventType.CDRReady)
        assert all(n == 1 for n in self.cdrs.values()), self.cdrs
        view = self.engine.view(INSTANCE)
        assert view is not None
        for job in view.jobs.values():
            assert self.cdrs[job.job_id] == (1 if job.state is JobState.ENDED else 0), job

    @invariant()
    def no_queued_call_outlives_its_deadline(self) -> None:
        """A QUEUED call's deadline is still ahead; no other call has one."""
        view = self.engine.view(INSTANCE)
        assert view is not None
        for job in view.jobs.values():
            if job.state is JobState.QUEUED:
                assert self.clock() < job.queue_deadline_ms, (self.clock(), job)
            else:
                assert job.queue_deadline_ms == 0, job

    @invariant()
    def agents_agree_with_their_calls(self) -> None:
        """Agent states, JobIds, devices and heartbeats against the calls."""
        view = self.engine.view(INSTANCE)
        assert view is not None
        for user in view.users.values():
            job = view.jobs.get(user.job_id)
            in_call = user.state in (UserState.DIALING, UserState.RINGING, UserState.TALKING)
            assert bool(user.job_id) == (in_call or user.state is UserState.WORKING), user
            if in_call:
                assert job is not None and job.state is not JobState.ENDED, (user, job)
            if user.state is UserState.TALKING:
                assert job is not None
                answered = [
                    c
                    for c in job.channels
                    if c.user_id == user.user_id and c.state is ChannelState.ANSWERED
                ]
                assert len(answered) == 1, job
            if user.state is UserState.OFFLINE:
                assert user.device_id == "", user
            else:
                assert user.device_id == self.devices[user.user_id], user
            assert user.heartbeat >= self.heartbeats.get(user.user_id, 0)
            self.heartbeats[user.user_id] = user.heartbeat

    @invariant()
    def legs_are_consistent(self) -> None:
        """Hold flags, hold intervals, timestamps and ownership of legs."""
        view = self.engine.view(INSTANCE)
        assert view is not None
        seen: set[str] = set()
        for job in view.jobs.values():
            for leg in job.channels:
                assert leg.job_id == job.job_id and leg.channel_id not in seen
                seen.add(leg.channel_id)
                open_holds = [h for h in leg.holds if h.end_ms is None]
                assert len(open_holds) == (1 if leg.held else 0), leg
                if leg.held:
                    newest = leg.holds.newest
                    assert leg.state is ChannelState.ANSWERED
                    assert newest is not None and newest.end_ms is None
                if leg.state is ChannelState.RELEASED:
                    assert not leg.held
                assert leg.timestamp >= self.timestamps.get(leg.channel_id, 0), leg
                self.timestamps[leg.channel_id] = leg.timestamp
            customers = [c for c in job.channels if c.party is Party.CUSTOMER]
            if job.state is not JobState.ENDED:  # a call ends with its customer (a conference
                assert any(c.live for c in job.channels), job  # of agents never had one)
                assert not customers or any(c.live for c in customers), job
            else:
                assert not any(c.live for c in job.channels), job
