"""callstate as a contender: the domain driven directly, and the engine through its front door.

Only public entry points are used: :func:`callstate.domain.decide` with a workspace of our own
(:class:`MemoryWorkspace`: records held in dicts, handed out as they are, no copies), the command
and signal classes, ``Engine(...).handle`` / ``.signal`` / ``.view``, ``ManualClock`` and ``Ids``.
The world of a benchmark is built by :func:`world_dict`: one instance, ``n`` agents in one skill
group, one number, and a network that answers every dialled number at once.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from callstate import Engine, Ids, ManualClock, MemoryStore
from callstate.domain import (
    CCCError,
    Event,
    FarEndAnswered,
    HoldCall,
    InstanceConfig,
    Job,
    MakeCall,
    Outcome,
    Party,
    ReadyForService,
    ReleaseCall,
    Request,
    RetrieveCall,
    SignInGroup,
    User,
    World,
    decide,
)
from callstate.engine._indexes import QueueIndex

from .peers import Call, Refused, device_of

__all__ = [
    "CALLEE",
    "GROUP",
    "INSTANCE",
    "NUMBER",
    "START",
    "CallstateDomain",
    "CallstateEngine",
    "MemoryWorkspace",
    "agent_ids",
    "device_of",
    "open_call",
    "sign_in",
    "world_dict",
]

INSTANCE = "ccc-bench"
GROUP = "skill-group@ccc-bench"
NUMBER = "01012345678"
CALLEE = "13900000000"  # answers at once in the simulated network of world_dict
START = 1_700_000_000_000


def agent_ids(n: int, first: int = 0) -> list[str]:
    """``n`` agent ids, numbered from ``first``."""
    return [f"agent-{i:06d}@{INSTANCE}" for i in range(first, first + n)]


def world_dict(agents: Sequence[str]) -> dict[str, Any]:
    """A world document: one instance with these agents (extension 8xxxxxxx each)."""
    return {
        "instances": [
            {
                "instanceId": INSTANCE,
                "numbers": [NUMBER],
                "holdMusic": [],
                "ringTimeoutMs": 30_000,
                "retentionMs": 3_600_000,
                "skillGroups": [{"skillGroupId": GROUP, "name": "bench"}],
                "users": [
                    {"userId": uid, "extension": str(80_000_000 + i), "skillGroups": [GROUP]}
                    for i, uid in enumerate(agents)
                ],
                "dialling": {"default": {"outcome": "answer", "afterMs": 0}},
            }
        ]
    }


class MemoryWorkspace:
    """callstate's ``Workspace`` over plain dicts: the stored records themselves, no copies.

    This is "domain only": no transaction, no event log, no commit. callstate's decide step
    runs every check before any change, so a refused decision leaves these records as they were.
    """

    def __init__(self, config: InstanceConfig) -> None:
        self.config = config
        self.users: dict[str, User] = {
            uid: User.from_profile(p, config.instance_id) for uid, p in config.users.items()
        }
        self.jobs: dict[str, Job] = {}
        self._seq = 0
        # What a decision touched, and the queues it reads: the memory store's own index,
        # written after each decision as a commit writes it.
        self._touched_users: dict[str, User] = {}
        self._touched_jobs: dict[str, Job] = {}
        self.queues = QueueIndex()

    def instance(self, instance_id: str) -> InstanceConfig | None:
        """The instance's provisioning."""
        return self.config if instance_id == self.config.instance_id else None

    def user(self, instance_id: str, user_id: str) -> User | None:
        """The user record itself."""
        user = self.users.get(user_id)
        if user is not None:
            self._touched_users[user_id] = user
        return user

    def job(self, instance_id: str, job_id: str) -> Job | None:
        """The call record itself."""
        job = self.jobs.get(job_id)
        if job is not None:
            self._touched_jobs[job_id] = job
        return job

    def add_job(self, job: Job) -> None:
        """Keep a new call."""
        self.jobs[job.job_id] = self._touched_jobs[job.job_id] = job

    def new_job_id(self, now_ms: int) -> str:
        """A fresh JobId."""
        self._seq += 1
        return f"job-{self._seq}"

    def working_copies(self) -> tuple[Collection[User], Collection[Job]]:
        """The records this decision touched (live views)."""
        return self._touched_users.values(), self._touched_jobs.values()

    def agents_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """Eligible agents of ``queue``, as settled."""
        return self.queues.agents_in(queue)

    def calls_in(self, instance_id: str, queue: str) -> Iterator[str]:
        """Calls waiting in ``queue``, as settled."""
        return self.queues.calls_in(queue)

    def waiting(self, instance_id: str, queue: str) -> int:
        """How many calls wait in ``queue``, as settled."""
        return self.queues.waiting(queue)

    def settle(self) -> None:
        """Index what the decision touched (as a commit does), and start the next one afresh."""
        for user in self._touched_users.values():
            self.queues.write_user(user, self.config)
        for job in self._touched_jobs.values():
            self.queues.write_job(job)
        self._touched_users.clear()
        self._touched_jobs.clear()


def _call_of(job: Job) -> Call:
    agent = next(c.channel_id for c in job.channels if c.party is Party.USER)
    customer = next(c.channel_id for c in job.channels if c.party is Party.CUSTOMER)
    return Call(job.job_id, agent, customer)


class CallstateDomain:
    """callstate's domain: ``decide(workspace, command, now)`` on a :class:`MemoryWorkspace`.

    Each operation builds its command value (as an embedder of the domain does) and decides it.
    """

    name = "callstate (domain)"
    family = "callstate"

    def __init__(self, agents: Sequence[str]) -> None:
        self.ws = MemoryWorkspace(World.from_dict(world_dict(agents)).instances[INSTANCE])
        self.devices = {uid: device_of(uid) for uid in agents}
        self.events: list[Event] = []
        for uid in agents:
            self._decide(
                SignInGroup(instance_id=INSTANCE, user_id=uid, device_id=self.devices[uid],
                            signed_skill_group_id_list=(GROUP,)),
                START,
            )  # fmt: skip
        self.events.clear()  # the peers' agents start signed in: compare from here

    def _decide(self, request: Request, now: int) -> Outcome:
        try:
            outcome = decide(self.ws, request, now)
        except CCCError as err:
            raise Refused(err.code) from None
        finally:
            self.ws.settle()
        self.events.extend(outcome.events)
        return outcome

    def published(self) -> list[str]:
        """The types of the events decided so far, in order."""
        return [e.event_type.value for e in self.events]

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        outcome = self._decide(
            MakeCall(instance_id=INSTANCE, callee=callee, user_id=user_id, caller=NUMBER,
                     device_id=self.devices[user_id]),
            now,
        )  # fmt: skip
        assert outcome.job is not None
        return _call_of(outcome.job)

    def far_end_answered(self, job_id: str, channel_id: str, now: int) -> None:
        self._decide(
            FarEndAnswered(instance_id=INSTANCE, job_id=job_id, channel_id=channel_id), now
        )

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        self._decide(
            HoldCall(instance_id=INSTANCE, job_id=job_id, channel_id=channel_id,
                     device_id=self.devices[user_id], user_id=user_id),
            now,
        )  # fmt: skip

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        self._decide(
            RetrieveCall(instance_id=INSTANCE, job_id=job_id, channel_id=channel_id,
                         device_id=self.devices[user_id], user_id=user_id),
            now,
        )  # fmt: skip

    def release(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        self._decide(
            ReleaseCall(instance_id=INSTANCE, job_id=job_id, user_id=user_id,
                        channel_id=channel_id, device_id=self.devices[user_id]),
            now,
        )  # fmt: skip

    def ready(self, user_id: str, now: int) -> None:
        self._decide(ReadyForService(instance_id=INSTANCE, user_id=user_id), now)

    def forget(self, job_id: str) -> None:
        del self.ws.jobs[job_id]

    def agent_state(self, user_id: str) -> str:
        return self.ws.users[user_id].state.value

    def leg_state(self, job_id: str, channel_id: str) -> str:
        leg = self.ws.jobs[job_id].channel(channel_id)
        assert leg is not None
        return leg.written_state

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        leg = self.ws.jobs[job_id].channel(channel_id)
        assert leg is not None
        return [(h.start_ms, h.end_ms) for h in leg.holds]


# --- the engine -----------------------------------------------------------------------------------
def sign_in(engine: Engine, user_id: str) -> None:
    """SignInGroup through ``engine.handle``."""
    reply = engine.handle(
        "SignInGroup",
        {"InstanceId": INSTANCE, "UserId": user_id, "DeviceId": device_of(user_id),
         "SignedSkillGroupIdList": json.dumps([GROUP])},
    )  # fmt: skip
    if not reply.ok:
        raise RuntimeError(f"SignInGroup {user_id}: {reply.body}")


def open_call(engine: Engine, user_id: str, callee: str = CALLEE) -> Call:
    """MakeCall, then (with no simulated network) the far end's answer: an answered call."""
    reply = engine.handle(
        "MakeCall",
        {"InstanceId": INSTANCE, "UserId": user_id, "DeviceId": device_of(user_id),
         "Caller": NUMBER, "Callee": callee},
    )  # fmt: skip
    if not reply.ok:
        raise RuntimeError(f"MakeCall {user_id}: {reply.body}")
    call = _call_from_body(reply.body)
    if engine.network is None:
        answered = engine.signal(
            "FarEndAnswered",
            {"InstanceId": INSTANCE, "JobId": call.job_id, "ChannelId": call.customer_leg},
        )
        if not answered.ok:
            raise RuntimeError(f"FarEndAnswered {call.job_id}: {answered.body}")
    return call


def _call_from_body(body: dict[str, Any]) -> Call:
    context = body["Data"]["CallContext"]
    legs = context["ChannelContexts"]
    agent = next(c["ChannelId"] for c in legs if c["UserId"])
    customer = next(c["ChannelId"] for c in legs if not c["UserId"])
    return Call(context["JobId"], agent, customer)


class CallstateEngine:
    """callstate end to end: ``Engine(network=None).handle`` / ``.signal``, replies as JSON.

    The clock is a ``ManualClock`` set to each operation's ``now``.
    """

    name = "callstate (engine)"
    family = "callstate"

    def __init__(self, agents: Sequence[str]) -> None:
        self.clock = ManualClock(START)
        self.engine = Engine(
            world_dict(agents), clock=self.clock, ids=Ids(seed=1), store=MemoryStore(), network=None
        )
        for uid in agents:
            sign_in(self.engine, uid)
        self.events: list[Event] = []
        self.engine.subscribe(self.events.append)

    def published(self) -> list[str]:
        """The types of the events committed since the agents signed in, in order."""
        return [e.event_type.value for e in self.events]

    def _do(self, action: str, params: dict[str, str], now: int, *, signal: bool = False) -> Any:
        self.clock.set(now)
        run = self.engine.signal if signal else self.engine.handle
        reply = run(action, {"InstanceId": INSTANCE, **params})
        reply.to_json()
        if not reply.ok:
            raise Refused(str(reply.body["Code"]))
        return reply.body

    def _agent(self, user_id: str) -> dict[str, str]:
        return {"UserId": user_id, "DeviceId": device_of(user_id)}

    def make_call(self, user_id: str, callee: str, now: int) -> Call:
        params = {**self._agent(user_id), "Caller": NUMBER, "Callee": callee}
        return _call_from_body(self._do("MakeCall", params, now))

    def far_end_answered(self, job_id: str, channel_id: str, now: int) -> None:
        self._do("FarEndAnswered", {"JobId": job_id, "ChannelId": channel_id}, now, signal=True)

    def hold(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        self._do(
            "HoldCall", {**self._agent(user_id), "JobId": job_id, "ChannelId": channel_id}, now
        )

    def retrieve(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        params = {**self._agent(user_id), "JobId": job_id, "ChannelId": channel_id}
        self._do("RetrieveCall", params, now)

    def release(self, user_id: str, job_id: str, channel_id: str, now: int) -> None:
        params = {**self._agent(user_id), "JobId": job_id, "ChannelId": channel_id}
        self._do("ReleaseCall", params, now)

    def ready(self, user_id: str, now: int) -> None:
        self._do("ReadyForService", self._agent(user_id), now)

    def forget(self, job_id: str) -> None:
        """Nothing to do: the store forgets ended calls once their retention has passed."""

    def _view(self) -> Any:
        view = self.engine.view(INSTANCE)
        assert view is not None
        return view

    def agent_state(self, user_id: str) -> str:
        return str(self._view().users[user_id].state.value)

    def leg_state(self, job_id: str, channel_id: str) -> str:
        return str(self._view().jobs[job_id].channel(channel_id).written_state)

    def holds(self, job_id: str, channel_id: str) -> list[tuple[int, int | None]]:
        leg = self._view().jobs[job_id].channel(channel_id)
        return [(h.start_ms, h.end_ms) for h in leg.holds]
