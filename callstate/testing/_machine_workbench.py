"""The machine's workbench rules: calls to a colleague, conferences, and the read models.

A READY agent calls a colleague's extension (an internal call: mostly a READY colleague, who
mostly answers at once; sometimes a busy one, ``UserBusy``, or an extension nobody has,
``NotExists.Extension``). A READY agent opens a conference with READY colleagues' extensions
and numbers outside. Either sometimes names its own ``TimeoutSeconds`` (how long the
colleagues ring; out of range: refused). A user registers a SIP phone. Any user's workbench
reads (``GetUser``, ``ListDevices``, ``GetLoginDetails``, the real-time board); after every
read:

* a read changes nothing: not a record, a timer, the network's pending signals, nor the events;
* the reads agree with each other and with the live state: ``DeviceState`` is ``ONLINE``
  exactly when ListDevices lists the device, ``UNREGISTERED`` exactly when the user never
  registered one, and GetLoginDetails says what GetUser says;
* the board shows every agent's state, and the supervision ``StateCode`` and ``CounterParty``
  exactly while the user supervises (``Monitoring``) or is supervised (``Monitored``).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from ..api import Reply
from ..domain import REALTIME_STATES, UserState
from ..domain._supervision import supervising_leg
from ..engine import InstanceView
from ._alphabet import PHONE
from ._machine_parties import ANSWERS
from ._machine_supervision import Supervised
from ._machine_world import AGENTS, CALLEES

__all__ = ["Workbench"]

#: An extension of the right length that no agent has.
NOBODYS_EXTENSION = "80009999"
#: A request's own ``TimeoutSeconds``: mostly absent (the instance's ring timeout), sometimes
#: 30 s (the shortest allowed: longer than the world's 20 s), or out of range (refused).
_TIMEOUTS = st.sampled_from([{}, {}, {}, {"TimeoutSeconds": "30"}, {"TimeoutSeconds": "29"}])
#: The read-only queries a workbench sends, and the parameters each needs beside ``UserId``.
_READS: dict[str, dict[str, str]] = {
    "GetUser": {},
    "ListDevices": {},
    "GetLoginDetails": {},
    "ListRealtimeAgentStates": {"PageNumber": "1", "PageSize": "100"},
}


class Workbench(Supervised):
    """Internal calls, conferences with numbers, and the read models against the live state."""

    def __init__(self) -> None:
        super().__init__()
        #: The users who registered a device (RegisterDevice answered OK) at least once.
        self.registered: set[str] = set()

    def send(self, action: str, user: str, **params: str) -> Reply:
        """Send as the machine does; note who registered a device."""
        reply = super().send(action, user, **params)
        if reply.ok and action == "RegisterDevice":
            self.registered.add(user)
        return reply

    def extension(self, user: str) -> str:
        """The user's extension, as the world provisions it."""
        return self.live_view().config.users[user].extension

    @precondition(lambda self: len(self.ready_agents()) >= 2)
    @rule(data=st.data())
    def call_a_colleague(self, data: st.DataObject) -> None:
        """A READY agent calls a colleague's extension, who mostly answers at once."""
        caller = data.draw(st.sampled_from(self.ready_agents()))
        ready = [u for u in self.ready_agents() if u != caller]
        callee = data.draw(st.sampled_from(ready * 4 + [u for u in AGENTS if u != caller] + [""]))
        extension = self.extension(callee) if callee else NOBODYS_EXTENSION
        device = self.live_view().users[caller].device_id
        timeout = data.draw(_TIMEOUTS)
        if not self.send("MakeCall", caller, Callee=extension, DeviceId=device, **timeout).ok:
            return
        colleague = self.live_view().users[callee]
        if colleague.state is UserState.RINGING and data.draw(
            st.sampled_from([True] * 3 + [False])
        ):
            self.send("AnswerCall", callee, JobId=colleague.job_id, DeviceId=colleague.device_id)

    @precondition(lambda self: bool(self.ready_agents()))
    @rule(data=st.data())
    def start_conference(self, data: st.DataObject) -> None:
        """A READY agent opens a conference: READY colleagues (who answer), numbers outside."""
        user = data.draw(st.sampled_from(self.ready_agents()))
        extensions = [self.extension(u) for u in self.ready_agents() if u != user]
        parties = st.sampled_from([*extensions, *extensions, ANSWERS, *CALLEES])
        chosen = data.draw(st.lists(parties, min_size=1, max_size=3, unique=True))
        device = self.live_view().users[user].device_id
        timeout = data.draw(_TIMEOUTS)
        reply = self.send("StartConference", user, DeviceId=device,
                          ParticipantListJson=json.dumps(chosen), **timeout)  # fmt: skip
        if not reply.ok:
            return
        self.tick()  # the numbers that answer at once do
        job = self.live_view().users[user].job_id
        for colleague in self.ringing_with(job):
            if data.draw(st.booleans()):
                self.send("AnswerCall", colleague, JobId=job, DeviceId=self.devices[colleague])

    def ringing_with(self, job_id: str) -> list[str]:
        """The agents a call rings (a conference's colleagues, offered it)."""
        users = self.live_view().users
        ringing = UserState.RINGING
        return [u for u in AGENTS if users[u].state is ringing and users[u].job_id == job_id]

    @rule(data=st.data())
    def register_phone(self, data: st.DataObject) -> None:
        """A user registers a SIP phone (GetUser then says ONLINE, and ListDevices lists it)."""
        user = data.draw(st.sampled_from(list(self.live_view().users)))
        self.send("RegisterDevice", user, DeviceId=PHONE, Password="s3cret")

    @rule(data=st.data(), query=st.sampled_from(list(_READS)))
    def read(self, data: st.DataObject, query: str) -> None:
        """A workbench reads: it changes nothing, and agrees with the other reads and the state."""
        self.tick()  # what fell due applies first: the read itself must change nothing
        users = list(self.live_view().users)
        user = data.draw(st.sampled_from(users * 4 + ["nobody@ccc-test"]))
        before, published = self.engine.snapshot(), len(self.events)
        reply = self.send(query, user, **_READS[query])
        assert self.engine.snapshot() == before, ("a read changed the state", query, user)
        assert len(self.events) == published, ("a read published", query, user)
        if reply.ok:
            self.check_read(query, user, reply.body["Data"])

    def check_read(self, query: str, user: str, data: Any) -> None:
        """What one read answered, against the other reads and the live state."""
        view = self.live_view()
        if query == "ListRealtimeAgentStates":
            assert data["TotalCount"] == len(view.users), data
            for row in data["List"]:
                _check_board_row(view, row)
            return
        if query == "ListDevices":  # the user's device (the request names it: UserId filters)
            listed = {row["UserId"] for row in data}
            assert listed <= {user}, ("listed, yet not asked for", listed)
            online = self.send("GetUser", user).body["Data"]["DeviceState"] == "ONLINE"
            assert online == (user in listed), ("DeviceState ONLINE, yet not listed", user)
            return
        assert data["UserId"] == user and data["Extension"] == self.extension(user), data
        never = user not in self.registered
        assert (data["DeviceState"] == "UNREGISTERED") == never, ("DeviceState", never, data)
        if query == "GetLoginDetails":
            profile = self.send("GetUser", user).body["Data"]
            assert {k: profile[k] for k in data if k in profile} == {
                k: data[k] for k in data if k in profile
            }, ("GetLoginDetails and GetUser disagree", data, profile)


def _check_board_row(view: InstanceView, row: dict[str, Any]) -> None:
    """One agent's row on the board: its state, and its supervision sub-state while talking."""
    user = view.users[row["AgentId"]]
    assert row["State"] == REALTIME_STATES[user.state].value, (row, user.state)
    job = view.jobs.get(user.job_id)
    supervisors: list[str] = []
    if job is not None and user.state is UserState.TALKING:
        supervisors = [c.user_id for c in job.channels if supervising_leg(job, c.user_id)]
    if user.user_id in supervisors:  # its counter-party: an agent it supervises, on the line
        agent = job and job.leg_of(row["CounterParty"])
        assert row["StateCode"] == "Monitoring" and agent and agent.live, ("supervising", row)
        assert row["CounterParty"] not in supervisors, ("supervising a supervisor", row)
    elif supervisors:
        assert row["StateCode"] == "Monitored", ("supervised", row, supervisors)
        assert row["CounterParty"] in supervisors, ("supervised by nobody", row, supervisors)
    else:
        assert row["StateCode"] == row["CounterParty"] == "", ("nobody supervises", row)
