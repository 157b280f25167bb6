"""The routing's invariants, checked after every step of generated sequences (Hypothesis).

Arrivals (with priorities, to every kind of route), agents signing in and out, going ready
and on break, answering, declining, hanging up, holding, callers hanging up, claims, and the
clock moving on (timers firing). After every step, under automatic routing:

* a READY agent eligible for a queue and a call waiting in that queue never coexist;
* every waiting call is in exactly one queue, and declares its queue timeout;
* no agent rings for two calls, and every ringing offer has its ring timeout;
* the store's queue index answers exactly what the records say, in rank order;

and at the end, once every agent hangs up and the clock passes every timeout, every call ended.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from test_routing import (
    ANN,
    BEN,
    CAT,
    CLAIMS,
    CLAIMS_NUMBER,
    DIRECT_NUMBER,
    INSTANCE,
    NUMBER,
    QUEUE_MS,
    SALES,
    Centre,
    world,
)

from callstate import ChannelState, JobState, UserState
from callstate.domain import agent_places, call_place
from callstate.domain._routing import call_rank

AGENTS = (ANN, BEN, CAT)
WORLD = world(maxHoldMs=45_000, sales={"acwMs": 10_000, "queuingOverflowThreshold": 2,
                                        "overflowSkillGroupId": CLAIMS})  # fmt: skip
agents = st.sampled_from(AGENTS)


class RoutingMachine(RuleBasedStateMachine):
    """A routing world driven by generated requests; the invariants hold after every step."""

    @initialize()
    def start(self) -> None:
        self.c = Centre(WORLD)
        self.callers = 0

    # --- helpers ----------------------------------------------------------------------------
    def view(self) -> Any:
        view = self.c.engine.view(INSTANCE)
        assert view is not None
        return view

    def live_job(self, data: st.DataObject) -> Any | None:
        jobs = [j for j in self.view().jobs.values() if j.state is not JobState.ENDED]
        return data.draw(st.sampled_from(jobs)) if jobs else None

    # --- rules --------------------------------------------------------------------------------
    @rule(number=st.sampled_from([NUMBER, NUMBER, CLAIMS_NUMBER, DIRECT_NUMBER]),
          priority=st.none() | st.integers(0, 9))  # fmt: skip
    def arrive(self, number: str, priority: int | None) -> None:
        self.callers += 1
        self.c.arrive(number, priority, caller=f"1390000{self.callers:04d}")

    @rule(uid=agents, groups=st.sampled_from([(SALES,), (SALES, CLAIMS), (CLAIMS,)]))
    def sign_in(self, uid: str, groups: tuple[str, ...]) -> None:
        self.c.agents[uid].do("SignInGroup", SignedSkillGroupIdList=json.dumps(groups))

    @rule(
        uid=agents, action=st.sampled_from(["ReadyForService", "SignOutGroup", "ResetAgentState"])
    )
    def agent_state(self, uid: str, action: str) -> None:
        self.c.agents[uid].do(action)

    @rule(uid=agents)
    def take_break(self, uid: str) -> None:
        self.c.agents[uid].do("TakeBreak", Code="Lunch")

    @rule(uid=agents)
    def answer(self, uid: str) -> None:
        self.c.agents[uid].do("AnswerCall", JobId=self.view().users[uid].job_id or "none")

    @rule(uid=agents)
    def release(self, uid: str) -> None:  # a ringing agent declines; a talking one hangs up
        self.c.agents[uid].do("ReleaseCall", JobId=self.view().users[uid].job_id or "none")

    @rule(uid=agents, data=st.data())
    def hold_or_retrieve(self, uid: str, data: st.DataObject) -> None:
        job = self.live_job(data)
        if job is not None:
            customer = job.channels[0]
            action = "RetrieveCall" if customer.held else "HoldCall"
            self.c.agents[uid].do(action, JobId=job.job_id, ChannelId=customer.channel_id)

    @rule(uid=agents, data=st.data())
    def claim(self, uid: str, data: st.DataObject) -> None:
        job = self.live_job(data)
        if job is not None:
            self.c.agents[uid].do("ClaimCall", JobId=job.job_id)

    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        job = self.live_job(data)
        if job is not None:
            leg = {
                "InstanceId": INSTANCE,
                "JobId": job.job_id,
                "ChannelId": job.channels[0].channel_id,
            }
            self.c.engine.signal("FarEndHungUp", leg)

    @rule(ms=st.sampled_from([1, 500, 5_000, 10_000, 20_000, 45_000, QUEUE_MS]))
    def time_passes(self, ms: int) -> None:
        self.c.advance(ms)

    # --- invariants ---------------------------------------------------------------------------
    @invariant()
    def no_free_agent_beside_a_waiting_call(self) -> None:
        view = self.view()
        waiting = {call_place(j)[0] for j in view.jobs.values() if call_place(j)}  # type: ignore[index]
        for user in view.users.values():
            free_for = set(agent_places(user, view.config)) & waiting
            assert not free_for, (user.user_id, free_for)

    @invariant()
    def every_waiting_call_is_in_one_queue_with_its_timeout(self) -> None:
        snap = self.c.engine.snapshot()["instances"][INSTANCE]
        listed = [jid for calls in snap["queues"].values() for jid in calls]
        assert len(listed) == len(set(listed))
        view = self.view()
        queued = {j.job_id for j in view.jobs.values() if j.state is JobState.QUEUED and j.queue}
        assert set(listed) == queued
        timed = {t["recordId"] for t in snap["timers"] if t["timer"] == "queue"}
        assert queued <= timed

    @invariant()
    def no_agent_rings_for_two_calls(self) -> None:
        view = self.view()
        offers: dict[str, list[str]] = {}
        for job in view.jobs.values():
            for leg in job.channels:
                if leg.user_id and leg.state is ChannelState.RINGING:
                    offers.setdefault(leg.user_id, []).append(job.job_id)
        for uid, jobs in offers.items():
            assert len(jobs) == 1, (uid, jobs)
            user = view.users[uid]
            assert user.state is UserState.RINGING and user.job_id == jobs[0]
        ringing = {u for u, user in view.users.items() if user.state is UserState.RINGING}
        assert ringing == set(offers)
        snap = self.c.engine.snapshot()["instances"][INSTANCE]
        assert {t["channelId"] for t in snap["timers"] if t["timer"] == "ring"} == {
            leg.channel_id for job in view.jobs.values() for leg in job.channels
            if leg.user_id and leg.state is ChannelState.RINGING
        }  # fmt: skip

    @invariant()
    def the_queue_index_answers_what_the_records_say(self) -> None:
        tx = self.c.engine.store.begin(lambda now: "unused")
        view = self.view()
        queues = {q for j in view.jobs.values() if (p := call_place(j)) for q in [p[0]]}
        queues |= {q for u in view.users.values() for q in agent_places(u, view.config)}
        for queue in queues:
            waiting = [j for j in view.jobs.values() if (p := call_place(j)) and p[0] == queue]
            calls = sorted(waiting, key=call_rank)
            assert list(tx.calls_in(INSTANCE, queue)) == [j.job_id for j in calls]
            assert tx.waiting(INSTANCE, queue) == len(calls)
            ranked = sorted((r, u) for u in view.users.values()
                            if (r := agent_places(u, view.config).get(queue)))  # fmt: skip
            assert list(tx.agents_in(INSTANCE, queue)) == [u.user_id for _, u in ranked]

    def teardown(self) -> None:
        """Every agent hangs up, signs out, and the clock passes every timeout: all calls end."""
        if not hasattr(self, "c"):
            return
        for _ in range(3):
            for uid in AGENTS:
                self.c.agents[uid].do("ResetAgentState")
            self.c.advance(QUEUE_MS * 3)
        assert all(j.state is JobState.ENDED for j in self.view().jobs.values())


TestRouting = RoutingMachine.TestCase
TestRouting.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
