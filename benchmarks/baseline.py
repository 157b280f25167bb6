"""W2's hand-written baseline: HoldCall / RetrieveCall from wire strings to JSON bytes.

It does what callstate's ``engine.handle(...).to_json()`` must do for these two actions, written
directly, with no framework: check the parameters as strings (required, non-blank, in
callstate's order), look the instance, user, call and leg up in dicts, run the same checks in
the same order (device, participation, user state, leg state), change the leg's state, keep the
hold interval (opened by HoldCall, closed by RetrieveCall), stamp the leg and the user's
heartbeat, and render the documented body (same keys, same values, so the same size as
callstate's) with a fresh RequestId, as compact UTF-8 JSON.

What it leaves out, and callstate does: a lock, working copies and an atomic commit, the event
log, parsing into typed command values, and the generic shape-driven renderer. That difference is
what W2's ratio measures.

The state is plain dicts, taken from an engine's :meth:`~callstate.Engine.view` by
:meth:`Baseline.from_view`, so that both start from the same calls.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Baseline"]

_HOLD_FIELDS = ("InstanceId", "JobId", "ChannelId", "DeviceId", "UserId")


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class _Refusal(Exception):
    """A check failed: ``code``, HTTP ``status`` and the message's ``params``."""

    def __init__(self, code: str, status: int, params: list[str]) -> None:
        super().__init__(code)
        self.code, self.status, self.params = code, status, params


class Baseline:
    """HoldCall and RetrieveCall over plain dicts; ``handle`` answers ``(status, json bytes)``."""

    def __init__(
        self,
        instance_id: str,
        users: dict[str, dict[str, Any]],
        jobs: dict[str, dict[str, Any]],
        *,
        clock: Callable[[], int] = _now_ms,
        request_id: Callable[[], str] = _request_id,
    ) -> None:
        self.instances = {instance_id: {"users": users, "jobs": jobs}}
        self.clock = clock
        self.request_id = request_id
        self._actions = {"HoldCall": self._hold, "RetrieveCall": self._retrieve}

    @classmethod
    def from_view(cls, view: Any, **kwargs: Any) -> Baseline:
        """Plain-dict copies of the users and calls of an ``engine.view(instance)``."""
        users = {
            uid: {
                "user_id": u.user_id, "instance_id": u.instance_id, "extension": u.extension,
                "mobile": u.mobile, "work_mode": u.work_mode.value, "state": u.state.value,
                "break_code": u.break_code, "device_id": u.device_id, "job_id": u.job_id,
                "signed": list(u.signed_skill_group_ids), "heartbeat": u.heartbeat,
                "reserved": u.reserved, "outbound_scenario": u.outbound_scenario,
            }
            for uid, u in view.users.items()
        }  # fmt: skip
        jobs = {}
        for jid, j in view.jobs.items():
            legs = [
                {
                    "channel_id": c.channel_id, "job_id": c.job_id, "user": c.party.value == "user",
                    "originator": c.originator, "destination": c.destination,
                    "skill_group_id": c.skill_group_id, "user_id": c.user_id,
                    "user_extension": c.user_extension, "timestamp": c.timestamp,
                    "state": c.state.value, "held": c.held,
                    "release_initiator": c.release_initiator, "release_reason": c.release_reason,
                    "holds": [[h.start_ms, h.end_ms, h.music, h.by_user] for h in c.holds],
                }
                for c in j.channels
            ]  # fmt: skip
            jobs[jid] = {
                "job_id": j.job_id, "instance_id": j.instance_id, "call_type": j.call_type.value,
                "legs": legs, "by_id": {leg["channel_id"]: leg for leg in legs},
            }  # fmt: skip
        return cls(view.config.instance_id, users, jobs, **kwargs)

    def handle(self, action: str, params: Mapping[str, Any]) -> tuple[int, bytes]:
        """Apply HoldCall or RetrieveCall; answer the HTTP status and the JSON body."""
        run = self._actions.get(action)
        if run is None:
            return self._error(action, "InvalidAction.NotFound", 404, [])
        for name in _HOLD_FIELDS:
            value = params.get(name)
            if not isinstance(value, str) or not value.strip():
                return self._error(action, "Parameter.Blank", 400, [name])
        if not isinstance(params.get("Music", ""), str):
            return self._error(action, "Parameter.Format", 400, ["Music"])
        try:
            return run(params)
        except _Refusal as refusal:
            return self._error(action, refusal.code, refusal.status, refusal.params)

    def _checks(
        self, p: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """The lookups and checks both actions share, in callstate's order: (user, job, leg)."""
        inst = self.instances.get(p["InstanceId"])
        if inst is None:
            raise _Refusal("NotExists.InstanceId", 404, [p["InstanceId"]])
        user = inst["users"].get(p["UserId"])
        if user is None:
            raise _Refusal("NotExists.UserId", 404, [p["UserId"]])
        job = inst["jobs"].get(p["JobId"])
        if job is None:
            raise _Refusal("NotExists.JobId", 404, [p["JobId"]])
        leg = job["by_id"].get(p["ChannelId"])
        if leg is None:
            raise _Refusal("NotExists.ChannelId", 404, [p["ChannelId"]])
        if p["DeviceId"] != user["device_id"]:
            raise _Refusal("Permission.DeviceId", 403, [p["DeviceId"]])
        own = None
        for each in job["legs"]:
            if each["user"] and each["user_id"] == user["user_id"]:
                own = each
        if own is None or own["state"] != "ANSWERED":
            raise _Refusal("Permission.JobId", 403, [user["user_id"]])
        if user["state"] != "TALKING":
            raise _Refusal("InvalidOperation.UserState", 400, [user["state"]])
        return user, job, leg

    def _hold(self, p: Mapping[str, Any]) -> tuple[int, bytes]:
        user, job, leg = self._checks(p)
        if leg["state"] != "ANSWERED" or leg["held"]:
            state = "HELD" if leg["held"] else leg["state"]
            raise _Refusal("InvalidOperation.ChannelState", 400, [state])
        now = self.clock()
        leg["held"] = True
        leg["holds"].append([now, None, p.get("Music", ""), user["user_id"]])
        leg["timestamp"] = now
        user["heartbeat"] = now
        return self._reply(user, job, associated=True)

    def _retrieve(self, p: Mapping[str, Any]) -> tuple[int, bytes]:
        user, job, leg = self._checks(p)
        if leg["state"] != "ANSWERED" or not leg["held"]:
            raise _Refusal("InvalidOperation.ChannelState", 400, [leg["state"]])
        now = self.clock()
        leg["held"] = False
        leg["holds"][-1][1] = now
        leg["timestamp"] = now
        user["heartbeat"] = now
        return self._reply(user, job, associated=False)

    def _reply(
        self, user: dict[str, Any], job: dict[str, Any], *, associated: bool
    ) -> tuple[int, bytes]:
        channels = []
        for leg in job["legs"]:
            if leg["held"]:
                continue  # the reply lists the conversation as the agent hears it
            channel = {
                "CallType": job["call_type"], "ChannelId": leg["channel_id"],
                "ChannelState": leg["state"], "Destination": leg["destination"],
                "JobId": leg["job_id"], "Originator": leg["originator"],
                "ReleaseInitiator": leg["release_initiator"],
                "ReleaseReason": leg["release_reason"], "SkillGroupId": leg["skill_group_id"],
                "Timestamp": leg["timestamp"], "UserExtension": leg["user_extension"],
                "UserId": leg["user_id"],
            }  # fmt: skip
            if associated:
                channel["AssociatedData"] = {}
            channels.append(channel)
        data = {
            "CallContext": {
                "CallType": job["call_type"], "ChannelContexts": channels,
                "InstanceId": job["instance_id"], "JobId": job["job_id"],
            },
            "UserContext": {
                "BreakCode": user["break_code"], "DeviceId": user["device_id"],
                "Extension": user["extension"], "Heartbeat": user["heartbeat"],
                "InstanceId": user["instance_id"], "JobId": user["job_id"],
                "Mobile": user["mobile"], "OutboundScenario": user["outbound_scenario"],
                "Reserved": user["reserved"], "SignedSkillGroupIdList": list(user["signed"]),
                "UserId": user["user_id"], "UserState": user["state"],
                "WorkMode": user["work_mode"],
            },
        }  # fmt: skip
        body = {"Code": "OK", "Data": data, "HttpStatusCode": 200, "Message": "", "Params": [],
                "RequestId": self.request_id()}  # fmt: skip
        return 200, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _error(self, action: str, code: str, status: int, params: list[str]) -> tuple[int, bytes]:
        body = {"Code": code, "HttpStatusCode": status, "Message": f"{action}: {code}",
                "Params": params, "RequestId": self.request_id()}  # fmt: skip
        return status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
