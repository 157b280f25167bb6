"""The machine's aiming, its supervisor's and its mute rules, and the invariants they must keep.

:class:`~callstate.testing.CallCentreMachine` aims most requests at ids that exist (the helpers
here), and its world's supervisor, whom the agent rules leave alone, supervises a talking
agent's call (mostly as itself, sometimes another agent tries). A talking agent mutes or
unmutes its own leg or a leg of its call. After every step (``_invariants.py`` has the
functions):

* a supervised call always has its agent (an answered leg that is not a supervisor's);
* a supervisor is in one call at most: the one it supervises;
* each leg's hold and mute intervals are well nested: in order and apart, inside the leg's
  answered life, the newest open exactly while held (muted), all closed once it is released.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from ..domain import SUPERVISION, JobState, UserState
from ..domain._supervision import supervising_leg
from ._invariants import regions_out_of_order, supervised_without_agent, supervisors_in_two_calls
from ._machine_parties import ANSWERS, ManyParties
from ._machine_world import AGENTS, DEVICES, FLOOR, SUPERVISOR

__all__ = ["Supervised"]

#: Each supervision action's parameter naming the supervised agent.
_SUPERVISED = {
    "MonitorCall": "MonitoredUserId",
    "CoachCall": "CoachedUserId",
    "BargeInCall": "BargedUserId",
    "InterceptCall": "InterceptedUserId",
}


class Supervised(ManyParties):
    """Aiming, supervision and mute rules, and the invariants of supervision and regions."""

    #: The device each signed-in user signed in on (the machine notes it).
    devices: dict[str, str]

    # --- aiming ------------------------------------------------------------------------------
    def device(self, data: st.DataObject, user: str) -> str:
        """Mostly the user's active device, sometimes another."""
        right = self.devices.get(user, DEVICES[0])
        return data.draw(st.sampled_from([right] * 5 + ["dev-x"]))

    def pick(
        self, data: st.DataObject, user: str, *, queued: bool = False, held: bool | None = None
    ) -> tuple[str, str]:
        """A (JobId, ChannelId) to aim at, mostly a leg of the user's current call.

        With ``queued``, of a queued call; with ``held``, a leg held or not as asked. Sometimes
        of any call, rarely one that does not exist.
        """
        view = self.live_view()
        jobs = [j for j in view.jobs.values() if j.state is not JobState.ENDED]
        preferred = [
            j
            for j in jobs
            if (j.state is JobState.QUEUED if queued else j.job_id == view.users[user].job_id)
        ]
        pool = data.draw(st.sampled_from(["preferred"] * 6 + ["any", "junk"]))
        candidates = (pool == "preferred" and preferred) or list(view.jobs.values())
        if pool == "junk" or not candidates:
            return "job-0", "ch:none"
        job = data.draw(st.sampled_from(candidates))
        legs = [c for c in job.channels if held is None or c.held is held] or job.channels
        leg = data.draw(st.sampled_from(legs))
        return job.job_id, leg.channel_id

    def agent(self, data: st.DataObject, *states: UserState) -> str:
        """Mostly an agent in one of ``states`` (if any is), sometimes any agent.

        Never the supervisor: it is left to supervise (the alphabet's requests still move it).
        """
        fitting = [
            u.user_id
            for u in self.live_view().users.values()
            if u.state in states and u.user_id in AGENTS
        ]
        return data.draw(st.sampled_from(fitting * 5 + list(AGENTS)))

    # --- supervision and mute ----------------------------------------------------------------
    def supervisable(self) -> list[str]:
        """The agents talking now (whom the supervisor may supervise)."""
        users = self.live_view().users.values()
        return [u.user_id for u in users if u.state is UserState.TALKING and u.user_id in AGENTS]

    def watched(self) -> list[str]:
        """The agents of the call the supervisor supervises now (it mostly goes on with it)."""
        view = self.live_view()
        job = view.jobs.get(view.users[SUPERVISOR].job_id)
        if job is None or supervising_leg(job, SUPERVISOR) is None:
            return []
        return [c.user_id for c in job.live_agent_legs if c.user_id in self.supervisable()]

    def next_modes(self) -> list[str]:
        """The supervision actions the supervisor's leg's mode allows next (the domain's table)."""
        view = self.live_view()
        job = view.jobs.get(view.users[SUPERVISOR].job_id)
        leg = job and supervising_leg(job, SUPERVISOR)
        return [a for a in _SUPERVISED if leg and SUPERVISION.allows(leg, a)]

    @precondition(lambda self: bool(self.supervisable()))
    @rule(data=st.data(), action=st.sampled_from(list(_SUPERVISED)))
    def supervise(self, data: st.DataObject, action: str) -> None:
        """Supervision actions, mostly by the supervisor, on a talking agent's call.

        Mostly a few at once (a supervisor listens, then whispers or barges in), each mostly
        on the call the supervisor is in already.
        """
        for _ in range(data.draw(st.sampled_from([1, 2, 3]))):
            talking = self.supervisable()
            if not talking:
                return
            user = data.draw(st.sampled_from([SUPERVISOR] * 4 + list(AGENTS)))
            if user == SUPERVISOR and self.supervisor_away() and data.draw(st.booleans()):
                self.supervisor_returns()  # often it comes back to supervise first
            agent = data.draw(st.sampled_from(self.watched() * 3 + talking))
            own = self.live_view().users[agent].job_id  # mostly the agent's call, rarely none
            job = data.draw(st.sampled_from([own] * 5 + ["job-0"]))
            params = {_SUPERVISED[action]: agent, "DeviceId": self.device(data, user)}
            self.send(action, user, **params, **({} if action == "MonitorCall" else {"JobId": job}))
            action = data.draw(st.sampled_from(self.next_modes() * 3 + list(_SUPERVISED)))

    @precondition(lambda self: bool(self.supervisable()))
    @rule(data=st.data(), own=st.booleans(), right=st.sampled_from([True] * 4 + [False]))
    def mute(self, data: st.DataObject, own: bool, right: bool) -> None:
        """A talking agent mutes a leg of its call (its own by default), or unmutes a muted one.

        Mostly the right action for the leg (``right``), sometimes the other (refused); a mute
        is sometimes short (unmuted at once). Sometimes the agent sends tones to the far end
        instead, whose IVR answers (``IvrRouted``).
        """
        user = self.agent(data, UserState.TALKING)
        job, leg = self.pick(data, user)
        params = {"JobId": job, "DeviceId": self.device(data, user)}
        if data.draw(st.sampled_from([False] * 3 + [True])):
            if self.send("SendDtmfSignaling", user, **params, ChannelId=leg, Dtmf="1").ok:
                self.send_signal("IvrRouted", JobId=job, ChannelId=leg, Route="menu")
            return
        call = self.live_view().jobs.get(job)
        target = call and (call.leg_of(user) if own else call.channel(leg))
        muted = bool(target and target.muted)
        action = "UnmuteCall" if muted is right else "MuteCall"
        params.update({} if own else {"ChannelId": leg})
        if (
            self.send(action, user, **params).ok
            and action == "MuteCall"
            and data.draw(st.booleans())
        ):
            self.send("UnmuteCall", user, **params)

    @precondition(lambda self: self.live_view().users[SUPERVISOR].state is UserState.READY)
    @rule()
    def supervisor_calls(self) -> None:
        """The supervisor takes a call of its own (answered at once): it supervises none from it."""
        device = self.live_view().users[SUPERVISOR].device_id
        self.send("MakeCall", SUPERVISOR, Callee=ANSWERS, DeviceId=device)
        self.tick()  # the far end answers

    def supervisor_away(self) -> bool:
        """Whether the supervisor is neither READY nor supervising (a call of its own, a break)."""
        view = self.live_view()
        sup = view.users[SUPERVISOR]
        job = view.jobs.get(sup.job_id)
        supervising = job is not None and supervising_leg(job, SUPERVISOR) is not None
        return sup.state is not UserState.READY and not supervising

    @precondition(supervisor_away)
    @rule()
    def supervisor_returns(self) -> None:
        """The supervisor ends a call of its own and gets READY (signed in first if it was out)."""
        sup = self.live_view().users[SUPERVISOR]
        if sup.state in (UserState.DIALING, UserState.RINGING, UserState.TALKING):
            self.send("ReleaseCall", SUPERVISOR, JobId=sup.job_id, DeviceId=sup.device_id)
        if self.live_view().users[SUPERVISOR].state is UserState.OFFLINE:
            groups = f'["{FLOOR}"]'
            self.send("SignInGroup", SUPERVISOR, DeviceId=DEVICES[1], SignedSkillGroupIdList=groups)
        self.send("ReadyForService", SUPERVISOR, DeviceId=self.devices.get(SUPERVISOR, ""))

    # --- invariants ----------------------------------------------------------------------------
    @invariant()
    def calls_keep_supervision_and_regions(self) -> None:
        """A supervised call has its agent; a supervisor one call; regions are well nested.

        (Named to run before the invariants of many parties, which see some of the same bugs
        less precisely: a supervisor in two calls is also an agent in two legs.)
        """
        view = self.live_view()
        lost = supervised_without_agent(view)
        assert not lost, ("a supervised call without its agent", lost)
        twice = supervisors_in_two_calls(view)
        assert not twice, ("a supervisor in two calls", twice)
        unordered = regions_out_of_order(view)
        assert not unordered, ("hold or mute intervals not well nested", unordered)
