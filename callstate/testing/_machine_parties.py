"""The machine's requests of calls with many parties, and the invariants they must keep.

Besides the hand-aimed rules of :class:`~callstate.testing.CallCentreMachine`, two rules reach
every action and signal there is:

* ``any_request`` sends one letter of the request alphabet (``_alphabet.py``: every command and
  signal the domain declares, its parameters drawn from the live state), so a new action is
  fired as soon as it is in the domain's tables;
* ``agent_talks``, ``transfer`` and ``consult`` take calls deep quickly: a customer answers at
  once, a talking agent transfers or consults (mostly a READY agent or a skill group, sometimes
  a number outside, sometimes a wrong target), the consultee answers (a number: when the
  world's network says), the initiator completes, cancels or makes it a conference (sometimes
  the wrong agent tries; a number may hang up). Transfers to a group, like the alphabet's
  ``CallArrived``, go through the queues and the automatic distribution.

Checked after every request and every step (see ``_invariants.py`` for the first three):

* a held leg has a live agent in its call able to retrieve it; a live customer is never alone
  (no other live party, no queue); an agent is in at most one live leg;
* every call ends exactly once: one ``CDRReady``, after which the call publishes nothing more;
* per agent, the holds each leg records, and each call detail record counts, equal the holds
  answered OK for that agent: ``HoldCall``, and the customer's hold by
  ``InitiateAttendedTransfer`` when it was not held already;
* a refused request changes nothing: not a record, a queue, a timer, the JobId sequence, the
  network's pending signals, nor the events.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from ..api import Reply
from ..domain import AGENT_EVENTS, ChannelState, Event, EventType, JobState, Party, UserState
from ..engine import InstanceView
from ._alphabet import ADVANCE, Letter, letters
from ._invariants import agents_in_two_legs, customers_alone, held_without_retriever, holds_by_agent
from ._machine_client import ClientDriven
from ._machine_world import AGENTS, CALLEES, GROUPS, INSTANCE

__all__ = ["ManyParties"]

#: Transfer types beside an agent's and a group's: a number outside for each kind (the type the
#: other action takes is refused), IVR (not built: refused by name), and not a type at all.
_OTHER_TYPES = ("EXTERNAL_NUMBER", "EXTERNAL", "EXTERNAL_NUMBER", "EXTERNAL", "IVR", "x")
#: A consultation's next steps, ringing (False) or answered (True): (action, by the consultee).
#: A number consulted answers, rings out or hangs up through the network (``_BY_THE_NUMBER``).
_CONSULT_STEPS = {
    False: (("AnswerCall", True), ("AnswerCall", True), ("ReleaseCall", True),
            ("CancelAttendedTransfer", False)),  # mostly answered: the answered steps follow
    True: (("CompleteAttendedTransfer", False), ("CancelAttendedTransfer", False),
           ("SwitchToConference", False), ("ReleaseCall", True)),
}  # fmt: skip
#: What a consulted number does instead of the consultee's AnswerCall and ReleaseCall: its
#: answer (or busy, no answer, reject) falls due as the world says, or it hangs up.
_BY_THE_NUMBER = {"AnswerCall": None, "ReleaseCall": "FarEndHungUp"}
#: A number the machine's world answers at once.
ANSWERS = next(n for n, o in CALLEES.items() if o == {"outcome": "answer", "afterMs": 0})


class ManyParties(ClientDriven):
    """Transfers, routed arrivals and any request of the alphabet, against their invariants."""

    events: list[Event]

    def __init__(self) -> None:
        super().__init__()
        #: (JobId, ChannelId, UserId) -> holds answered OK (by HoldCall or a consultation).
        self.holds_ok: Counter[tuple[str, str, str]] = Counter()
        #: The calls that published their CDRReady, and how many events were checked so far.
        self.ended: set[str] = set()
        self.checked = 0

    def live_view(self) -> InstanceView:
        """The instance's state now."""
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view

    # --- every request: the hold ledger, and a refusal changes nothing ------------------------
    def send(self, action: str, user: str, **params: str) -> Reply:
        """Send as :meth:`ClientDriven.send`; a refusal must leave everything as it was."""
        self.tick()  # what fell due applies now, not inside the request being checked
        before, published = self.engine.snapshot(), len(self.events)
        view = self.live_view() if action == "InitiateAttendedTransfer" else None
        reply = super().send(action, user, **params)
        if not reply.ok:
            self.unchanged(before, published, action, params, reply)
        elif action == "HoldCall":
            self.holds_ok[params["JobId"], params["ChannelId"], user] += 1
        elif view is not None:  # the consultation's hold
            job = view.jobs[params["JobId"]]
            for leg in job.channels:  # the customer waits on hold, unless held already
                if leg.party is Party.CUSTOMER and leg.live and not leg.held:
                    self.holds_ok[job.job_id, leg.channel_id, user] += 1
        return reply

    def send_signal(self, name: str, **params: str) -> Reply:
        """Send as :meth:`ClientDriven.send_signal`; a refusal must leave everything as it was."""
        self.tick()
        before, published = self.engine.snapshot(), len(self.events)
        reply = super().send_signal(name, **params)
        if not reply.ok:
            self.unchanged(before, published, name, params, reply)
        return reply

    def unchanged(
        self,
        before: dict[str, Any],
        published: int,
        name: str,
        params: dict[str, str],
        reply: Reply,
    ) -> None:
        """A refused request published nothing and left the engine's whole state as it was."""
        code = reply.body["Code"]
        assert len(self.events) == published, ("refused, yet published", name, code, params)
        assert self.engine.snapshot() == before, ("refused, yet changed", name, code, params)

    # --- the rules ------------------------------------------------------------------------------
    @rule(data=st.data())
    def any_request(self, data: st.DataObject) -> None:
        """One letter of the alphabet: any command or signal, aimed at the live state."""
        view = self.live_view()
        every: dict[str, list[Letter]] = {}
        for letter in letters(view.config, view, self.clock()):
            if letter.kind != ADVANCE:  # the machine moves the clock itself
                every.setdefault(letter.name, []).append(letter)
        # Each request as likely as the next, however many parameter values it has.
        letter = data.draw(
            st.sampled_from(sorted(every)).flatmap(lambda n: st.sampled_from(every[n]))
        )
        params = dict(letter.params)
        params.pop("InstanceId", None)
        if letter.kind == "signal":
            self.send_signal(letter.name, **params)
        else:
            self.send(letter.name, params.pop("UserId"), **params)

    def someone_talks(self) -> bool:
        """Whether an agent is TALKING (has a call to hand on)."""
        return any(u.state is UserState.TALKING for u in self.live_view().users.values())

    def ready_agents(self) -> list[str]:
        """The agents READY (to take a call, or to be handed one); never the supervisor."""
        users = self.live_view().users
        return [u for u in AGENTS if users[u].state is UserState.READY]

    def someone_is_ready(self) -> bool:
        """Whether an agent is READY."""
        return bool(self.ready_agents())

    @precondition(someone_is_ready)
    @rule(data=st.data())
    def agent_talks(self, data: st.DataObject) -> None:
        """A READY agent calls a customer who answers at once: a call to transfer, quickly."""
        view = self.live_view()
        user = data.draw(st.sampled_from(self.ready_agents()))
        self.send("MakeCall", user, Callee=ANSWERS, DeviceId=view.users[user].device_id)
        self.tick()  # the far end answers
        # and sometimes hands the call on at once, while someone can take it (with routing
        # on, a READY agent is soon offered a waiting call: a later transfer rarely finds one)
        then = data.draw(st.sampled_from([None, None, "BlindTransfer", "InitiateAttendedTransfer"]))
        view = self.live_view()
        if then and view.users[user].state is UserState.TALKING:
            job = view.jobs[view.users[user].job_id]
            if then == "BlindTransfer" and data.draw(st.booleans()):  # a held customer, handed on
                (customer,) = [c for c in job.channels if c.party is Party.CUSTOMER]
                self.send("HoldCall", user, JobId=job.job_id, ChannelId=customer.channel_id,
                          DeviceId=view.users[user].device_id)  # fmt: skip
            kind, transferee = self.taker(data, user, then)
            reply = self.send(then, user, JobId=view.users[user].job_id,
                              DeviceId=view.users[user].device_id, Transferee=transferee,
                              TransfereeType=kind)  # fmt: skip
            if reply.ok and then == "InitiateAttendedTransfer":
                for _ in range(data.draw(st.sampled_from([0, 1, 2, 2]))):
                    self.consult_step(data)

    def taker(self, data: st.DataObject, user: str, action: str) -> tuple[str, str]:
        """(TransfereeType, Transferee): mostly a READY agent, else a number outside."""
        takers = self.takers(user)
        if takers and data.draw(st.sampled_from([True, True, False])):
            return "AGENT", data.draw(st.sampled_from(takers))
        kind = "EXTERNAL_NUMBER" if action == "BlindTransfer" else "EXTERNAL"
        return kind, data.draw(st.sampled_from([ANSWERS, ANSWERS, *CALLEES]))

    def takers(self, user: str) -> list[str]:
        """Who can be handed ``user``'s call: READY, not outbound only (nor invisible)."""
        users = self.live_view().users
        return [u for u in self.ready_agents() if not users[u].outbound_scenario and u != user]

    @precondition(someone_talks)
    @rule(data=st.data(), action=st.sampled_from(["BlindTransfer", "InitiateAttendedTransfer"]))
    def transfer(self, data: st.DataObject, action: str) -> None:
        """A transfer by a talking agent: mostly to a READY agent or a group, or a number."""
        view = self.live_view()
        talking = [u for u, r in view.users.items() if r.state is UserState.TALKING]
        user = data.draw(st.sampled_from(talking * 4 + list(AGENTS)))
        ready = self.takers(user)
        kind = data.draw(st.sampled_from(["AGENT"] * 12 + ["SKILL_GROUP"] * 4 + [*_OTHER_TYPES]))
        by_kind = {"AGENT": [*ready] * 6 + list(AGENTS), "SKILL_GROUP": [*GROUPS, *GROUPS, "x"]}
        targets = by_kind.get(kind, [*CALLEES, ANSWERS, ANSWERS, "x"])  # a number outside
        job = view.users[user].job_id or data.draw(st.sampled_from(["job-0", *view.jobs]))
        device = view.users[user].device_id or "dev-x"
        transferee = data.draw(st.sampled_from(targets))
        reply = self.send(action, user, JobId=job, DeviceId=device, Transferee=transferee,
                          TransfereeType=kind)  # fmt: skip
        if reply.ok and action == "InitiateAttendedTransfer":
            for _ in range(data.draw(st.sampled_from([0, 1, 2, 2]))):  # it goes on at once
                self.consult_step(data)

    def consultations(self) -> list[tuple[str, bool, str, list[str]]]:
        """(JobId, answered, consultee, the call's other agents on the line) of each one."""
        found = []
        for job in self.live_view().jobs.values():
            leg = job.consultation()
            if leg is not None:
                others = [c.user_id for c in job.live_agent_legs if c is not leg]
                answered = leg.state is ChannelState.ANSWERED
                found.append((job.job_id, answered, leg.user_id, others))
        return found

    @precondition(lambda self: bool(self.consultations()))
    @rule(data=st.data())
    def consult(self, data: st.DataObject) -> None:
        """The next step of a consultation (:meth:`consult_step`)."""
        self.consult_step(data)

    def queued(self) -> list[str]:
        """The calls waiting in a queue."""
        return [j.job_id for j in self.live_view().jobs.values() if j.state is JobState.QUEUED]

    @precondition(lambda self: bool(self.queued()))
    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        """An agent claims a waiting call (a manually routed group's; others are refused)."""
        job = data.draw(st.sampled_from(self.queued()))
        self.send("ClaimCall", data.draw(st.sampled_from(list(AGENTS))), JobId=job)

    def consult_step(self, data: st.DataObject) -> None:
        """The next step of a consultation, mostly by the agent whose step it is.

        Ringing: the consultee answers or declines, or the initiator cancels. Answered: the
        initiator completes or cancels, or the consultee hangs up. Sometimes the other agent
        tries the step instead (refused, or a hang-up).
        """
        found = self.consultations()
        if not found:
            return
        job, answered, consultee, others = data.draw(st.sampled_from(found))
        action, by_consultee = data.draw(st.sampled_from(_CONSULT_STEPS[answered]))
        wrong = data.draw(st.sampled_from([False] * 4 + [True]))
        if by_consultee and not consultee:  # a number: the network plays its step
            self.number_steps(job, _BY_THE_NUMBER[action])
            return
        mine = [consultee] if by_consultee != wrong and consultee else others
        user = data.draw(st.sampled_from(mine or [consultee or AGENTS[0]]))
        device = self.live_view().users[user].device_id or "dev-x"
        self.send(action, user, JobId=job, DeviceId=device)

    def number_steps(self, job_id: str, signal: str | None) -> None:
        """A consulted number hangs up (``signal``), or what it does next falls due."""
        leg = self.live_view().jobs[job_id].consultation()
        assert leg is not None
        if signal is not None:
            self.send_signal(signal, JobId=job_id, ChannelId=leg.channel_id)
            return
        network = self.engine.network
        due = network.next_due() if network is not None else None
        if due is not None:  # its answer (or busy, no answer) at the time the world says
            self.clock.advance(max(0, due - self.clock()))
            self.tick()

    # --- the invariants --------------------------------------------------------------------------
    @invariant()
    def calls_with_many_parties_hold_together(self) -> None:
        """Held legs can be retrieved, no customer is alone, an agent is in one leg at most."""
        view = self.live_view()
        # (an agent in two legs first: it leaves the other leg's hold with nobody to retrieve)
        assert not (twice := agents_in_two_legs(view)), ("an agent in two legs", twice)
        assert not (found := held_without_retriever(view)), ("held, nobody to retrieve", found)
        assert not (alone := customers_alone(view)), ("a customer alone", alone)
        for job in view.jobs.values():
            for leg in job.channels:
                held_by = Counter(h.by_user for h in leg.holds)
                expected = self.holds_of(job.job_id, leg.channel_id)
                assert held_by == expected, ("holds miscounted", leg.channel_id, held_by, expected)

    def holds_of(self, job_id: str, channel_id: str | None = None) -> Counter[str]:
        """Per agent, the holds answered OK in a call (on one of its legs, if named)."""
        found: Counter[str] = Counter()
        for (job, leg, agent), n in self.holds_ok.items():
            if job == job_id and channel_id in (None, leg):
                found[agent] += n
        return found

    @invariant()
    def calls_end_once_with_the_holds_counted(self) -> None:
        """An ended call stays ended and says nothing more; its record counts every hold."""
        for job in self.live_view().jobs.values():
            if job.job_id in self.ended:
                assert job.state is JobState.ENDED, job
        for event in self.events[self.checked :]:
            if event.event_type in AGENT_EVENTS:
                continue  # an agent's own events (its wrap-up) go on after the call
            assert event.contact_id not in self.ended, ("a call spoke after its CDRReady", event)
            if event.event_type is EventType.CDRReady:
                self.ended.add(event.contact_id)
                assert event.cdr is not None
                expected = self.holds_of(event.contact_id)
                counted = holds_by_agent(event.cdr)
                assert counted == expected, (
                    "holds miscounted",
                    event.contact_id,
                    counted,
                    expected,
                )
        self.checked = len(self.events)
