"""End to end: the official SDK, unchanged, against ``callstate`` served on a loopback port.

Sync and async clients, V3 (``ACS3-HMAC-SHA256``) and V2 (``HMAC-SHA1``) signing; every
response is read through the SDK's typed models, every error through its exceptions.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_ccc20200701.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.utils import Utils
from darabonba.core import DaraCore
from darabonba.runtime import RuntimeOptions
from server_support import (
    AGENT,
    AK,
    CUSTOMER,
    GROUP,
    INSTANCE,
    NUMBER,
    SECRET,
    SSE,
    agent,
    client,
    control,
    sign_in,
    world_with_agents,
)

from callstate import Engine
from callstate.domain import catalogue
from callstate.server import ThreadedServer

SLOW = "13900000009"  # answers 300 ms after it starts ringing
ENVELOPE = {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}
TEMPLATES = {cls.code: cls.template for cls in catalogue()}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    world = world_with_agents(2, **{SLOW: {"outcome": "answer", "afterMs": 300}})
    with ThreadedServer(Engine(world), credentials={AK: SECRET}) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(server: ThreadedServer) -> None:
    assert control(server.url, "POST", "/_callstate/reset") == (200, {"instances": [INSTANCE]})


Call = Callable[[str, Any], Any]


def caller(ccc: Client, use_async: bool) -> Call:
    """``call("hold_call", request)``, through the sync or the async method."""

    def call(method: str, request: Any) -> Any:
        if use_async:
            return asyncio.run(getattr(ccc, f"{method}_async")(request))
        return getattr(ccc, method)(request)

    return call


MODES = pytest.mark.parametrize(
    ("v2", "use_async"),
    [(False, False), (False, True), (True, False), (True, True)],
    ids=["v3-sync", "v3-async", "v2-sync", "v2-async"],
)


@MODES
def test_outbound_call_hold_retrieve_release(
    server: ThreadedServer, v2: bool, use_async: bool
) -> None:
    call = caller(client(server.endpoint, v2=v2), use_async)
    me = agent()

    signed = call(
        "sign_in_group", models.SignInGroupRequest(**me, signed_skill_group_id_list=f'["{GROUP}"]')
    )
    assert signed.status_code == 200
    assert signed.body.code == "OK" and signed.body.http_status_code == 200
    assert signed.body.params == [] and signed.body.message == ""
    assert signed.body.data.user_state == "READY"
    assert signed.body.data.signed_skill_group_id_list == [GROUP]
    assert signed.body.request_id == signed.headers["x-acs-request-id"]

    made = call("make_call", models.MakeCallRequest(**me, caller=NUMBER, callee=CUSTOMER))
    context = made.body.data.call_context
    agent_leg, customer_leg = context.channel_contexts
    assert made.body.data.user_context.user_state == "DIALING"
    assert (agent_leg.user_id, agent_leg.channel_state) == (AGENT, "ANSWERED")
    assert (customer_leg.user_id, customer_leg.channel_state) == ("", "CREATED")  # not rung yet
    assert isinstance(customer_leg.timestamp, int)
    job, customer = context.job_id, customer_leg.channel_id
    assert job.startswith("job-") and customer.startswith(f"ch:customer:{NUMBER}->{CUSTOMER}:")

    held = call("hold_call", models.HoldCallRequest(**me, job_id=job, channel_id=customer))
    assert held.status_code == 200 and held.body.http_status_code == 200
    assert held.body.data.user_context.user_state == "TALKING"
    assert [c.channel_id for c in held.body.data.call_context.channel_contexts] == [
        agent_leg.channel_id  # a held leg is not in the conversation the agent hears
    ]
    polled = call("poll_user_status", models.PollUserStatusRequest(**me))
    flags = {c.channel_id: c.channel_flags for c in polled.body.data.call_context.channel_contexts}
    assert flags == {agent_leg.channel_id: "", customer: "HOLD"}

    retrieved = call(
        "retrieve_call", models.RetrieveCallRequest(**me, job_id=job, channel_id=customer)
    )
    legs = retrieved.body.data.call_context.channel_contexts
    assert [c.channel_id for c in legs] == [agent_leg.channel_id, customer]
    assert all(c.channel_state == "ANSWERED" for c in legs)

    released = call("release_call", models.ReleaseCallRequest(**me, job_id=job))
    assert released.body.data.user_context.user_state == "WORKING"
    assert {c.channel_state for c in released.body.data.call_context.channel_contexts} == {
        "RELEASED"
    }

    ready = call("ready_for_service", models.ReadyForServiceRequest(**me))
    assert ready.body.data.user_state == "READY"
    assert ready.body.data.job_id == ""


@MODES
def test_inbound_call_answered_held_and_hung_up_by_the_customer(
    server: ThreadedServer, v2: bool, use_async: bool
) -> None:
    call = caller(client(server.endpoint, v2=v2), use_async)
    me = agent()
    call(
        "sign_in_group", models.SignInGroupRequest(**me, signed_skill_group_id_list=f'["{GROUP}"]')
    )

    offer = {
        "InstanceId": INSTANCE,
        "Caller": "13900000002",
        "Callee": NUMBER,
        "UserId": AGENT,
        "SkillGroupId": GROUP,
    }
    status, offered = control(server.url, "POST", "/_callstate/signals/CallOffered", offer)
    assert status == 200 and offered["Code"] == "OK"
    job = offered["Data"]["CallContext"]["JobId"]

    ringing = call("poll_user_status", models.PollUserStatusRequest(**me))
    assert ringing.body.data.user_context.user_state == "RINGING"
    assert ringing.body.data.call_context.job_id == job

    answered = call("answer_call", models.AnswerCallRequest(**me, job_id=job))
    assert answered.body.data.user_context.user_state == "TALKING"
    legs = answered.body.data.call_context.channel_contexts
    assert [c.channel_state for c in legs] == ["ANSWERED", "ANSWERED"]
    customer = next(c.channel_id for c in legs if not c.user_id)
    assert customer.startswith(f"ch:customer:13900000002->{NUMBER}:")

    held = call("hold_call", models.HoldCallRequest(**me, job_id=job, channel_id=customer))
    assert held.body.data.user_context.user_state == "TALKING"

    hang_up = {"InstanceId": INSTANCE, "JobId": job, "ChannelId": customer}
    status, hung_up = control(server.url, "POST", "/_callstate/signals/FarEndHungUp", hang_up)
    assert status == 200, hung_up

    after = call("poll_user_status", models.PollUserStatusRequest(**me))
    assert after.body.data.user_context.user_state == "WORKING"
    assert {c.channel_state for c in after.body.data.call_context.channel_contexts} == {"RELEASED"}

    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}&after=0")
    try:
        events = stream.until("CDRReady")
        names = [e["eventType"] for e in events]
        cdr = next(e for e in events if e["eventType"] == "CDRReady")
    finally:
        stream.close()
    assert names.index("Held") < names.index("Released") < names.index("CDRReady")
    assert cdr["contactId"] == job and cdr["holdCount"] == 1
    (customer_record,) = [c for c in cdr["channels"] if c["channelId"] == customer]
    assert customer_record["holds"][0]["endTime"] > 0  # the hang-up closed the open hold


def test_the_simulated_network_answers_in_real_time(server: ThreadedServer) -> None:
    ccc, me = client(server.endpoint), agent()
    sign_in(ccc, me)
    stream = SSE(server.url, f"/_callstate/events?instance={INSTANCE}")
    try:
        started = time.monotonic()
        made = ccc.make_call(models.MakeCallRequest(**me, caller=NUMBER, callee=SLOW))
        assert made.body.data.user_context.user_state == "DIALING"
        established = stream.until("Established")[-1]
        assert time.monotonic() - started >= 0.25  # after 300 ms, without another request
        assert established["contactId"] == made.body.data.call_context.job_id
    finally:
        stream.close()
    polled = ccc.poll_user_status(models.PollUserStatusRequest(**me))
    assert polled.body.data.user_context.user_state == "TALKING"


# --- errors through the SDK ---------------------------------------------------------------------
def raised(action: Callable[[], Any]) -> ClientException:
    with pytest.raises(ClientException) as info:
        action()
    return info.value


def check(err: ClientException, code: str, status: int, params: list[str]) -> None:
    assert (err.code, err.status_code) == (code, status)
    assert err.data["Params"] == params
    assert err.data["HttpStatusCode"] == status
    assert err.data["Message"] == TEMPLATES[code] % tuple(params)
    assert set(err.data) - {"statusCode"} == ENVELOPE


@pytest.fixture
def on_a_call(server: ThreadedServer) -> tuple[Client, dict[str, str], str, str]:
    ccc, me = client(server.endpoint), agent()
    sign_in(ccc, me)
    made = ccc.make_call(models.MakeCallRequest(**me, caller=NUMBER, callee=CUSTOMER))
    context = made.body.data.call_context
    return ccc, me, context.job_id, context.channel_contexts[1].channel_id


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_not_exists_errors_are_404_with_their_params(
    server: ThreadedServer, on_a_call: tuple[Client, dict[str, str], str, str], v2: bool
) -> None:
    _, me, job, customer = on_a_call
    ccc = client(server.endpoint, v2=v2)

    def hold(**changes: str) -> Callable[[], Any]:
        fields = {**me, "job_id": job, "channel_id": customer, **changes}
        return lambda: ccc.hold_call(models.HoldCallRequest(**fields))

    check(raised(hold(job_id="job-1")), "NotExists.JobId", 404, ["job-1"])
    check(raised(hold(channel_id="ch-x")), "NotExists.ChannelId", 404, ["ch-x", job])
    check(raised(hold(instance_id="ccc-x")), "NotExists.InstanceId", 404, ["ccc-x"])
    check(
        raised(hold(user_id="nobody@ccc-test")),
        "NotExists.UserId",
        404,
        ["nobody@ccc-test", INSTANCE],
    )


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_blank_parameters_and_invalid_operations_are_400(
    server: ThreadedServer, on_a_call: tuple[Client, dict[str, str], str, str], v2: bool
) -> None:
    _, me, job, customer = on_a_call
    ccc = client(server.endpoint, v2=v2)
    blank = raised(lambda: ccc.hold_call(models.HoldCallRequest(**me, channel_id=customer)))
    check(blank, "Parameter.Blank", 400, ["JobId"])
    spaces = raised(
        lambda: ccc.hold_call(models.HoldCallRequest(**me, job_id="  ", channel_id=customer))
    )
    check(spaces, "Parameter.Blank", 400, ["JobId"])

    ccc.hold_call(models.HoldCallRequest(**me, job_id=job, channel_id=customer))
    again = raised(
        lambda: ccc.hold_call(models.HoldCallRequest(**me, job_id=job, channel_id=customer))
    )
    check(again, "InvalidOperation.ChannelState", 400, ["HELD", "ANSWERED"])
    dial = raised(
        lambda: ccc.make_call(models.MakeCallRequest(**me, caller=NUMBER, callee=CUSTOMER))
    )
    check(dial, "InvalidOperation.UserState", 400, ["TALKING", "READY"])


def test_another_version_and_an_unknown_action_through_the_sdk(server: ThreadedServer) -> None:
    ccc = client(server.endpoint)

    def generic(action: str, version: str) -> Callable[[], Any]:
        params = openapi_models.Params(
            action=action,
            version=version,
            protocol="HTTP",
            pathname="/",
            method="POST",
            auth_type="AK",
            style="RPC",
            req_body_type="formData",
            body_type="json",
        )
        request = openapi_models.OpenApiRequest(query={"InstanceId": INSTANCE, "UserId": AGENT})
        return lambda: ccc.call_api(params, request, RuntimeOptions())

    assert generic("PollUserStatus", "2020-07-01")()["statusCode"] == 200
    check(raised(generic("PollUserStatus", "2017-07-05")), "InvalidVersion", 400, [])
    lacked = raised(generic("ListCallDetailRecords", "2020-07-01"))  # the SDK has it; not callstate
    check(lacked, "InvalidAction.NotImplemented", 404, ["ListCallDetailRecords"])
    check(raised(generic("ListCallDetailRecord", "2020-07-01")), "InvalidAction.NotFound", 404, [])


# --- signature failures through the SDK ----------------------------------------------------------
@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_a_wrong_secret_or_an_unknown_key(server: ThreadedServer, v2: bool) -> None:
    request = models.PollUserStatusRequest(**agent())
    wrong = client(server.endpoint, v2=v2, secret="not-the-secret")
    check(raised(lambda: wrong.poll_user_status(request)), "SignatureDoesNotMatch", 400, [])
    unknown = client(server.endpoint, v2=v2, ak="someone-else")
    check(raised(lambda: unknown.poll_user_status(request)), "InvalidAccessKeyId.NotFound", 404, [])


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_stale_date(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, v2: bool, minutes: int
) -> None:
    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + minutes * 60))
    monkeypatch.setattr(Utils, "get_timestamp", staticmethod(lambda: stale))
    ccc = client(server.endpoint, v2=v2)
    err = raised(lambda: ccc.poll_user_status(models.PollUserStatusRequest(**agent())))
    check(err, "InvalidTimeStamp.Expired", 400, [])


@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_a_reused_nonce(server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, v2: bool) -> None:
    nonce = f"fixed-nonce-{v2}-{time.time_ns()}"
    monkeypatch.setattr(Utils, "get_nonce", staticmethod(lambda: nonce))
    ccc = client(server.endpoint, v2=v2)
    request = models.PollUserStatusRequest(**agent())
    assert ccc.poll_user_status(request).status_code == 200
    check(raised(lambda: ccc.poll_user_status(request)), "SignatureNonceUsed", 400, [])


def _tamper(request: Any, what: str) -> None:
    if what == "query":
        request.query["UserId"] = "agent-0@ccc-test"
    elif what == "header":
        request.headers["x-acs-action"] = "ResetAgentState"
    elif what == "body":
        request.body = b"AgentIdList=%5B%5D"
        request.headers["content-type"] = "application/x-www-form-urlencoded"
    elif what == "authorization":
        del request.headers["Authorization"]


@pytest.mark.parametrize(
    ("what", "code"),
    [
        ("query", "SignatureDoesNotMatch"),
        ("header", "SignatureDoesNotMatch"),
        ("body", "SignatureDoesNotMatch"),
        ("authorization", "IncompleteSignature"),
    ],
)
def test_a_request_tampered_after_signing(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, what: str, code: str
) -> None:
    """Between the SDK's signing and the wire, the request is changed: the server notices."""
    send = DaraCore.do_action

    def tampering(request: Any, runtime: Any = None) -> Any:
        _tamper(request, what)
        return send(request, runtime)

    monkeypatch.setattr(DaraCore, "do_action", staticmethod(tampering))
    ccc = client(server.endpoint)
    check(
        raised(lambda: ccc.poll_user_status(models.PollUserStatusRequest(**agent()))), code, 400, []
    )
    _, state = control(server.url, "GET", "/_callstate/state")
    assert state["instances"][INSTANCE]["seq"] == 0  # nothing was applied


def test_errors_are_json_the_sdk_parses_even_in_v2(server: ThreadedServer) -> None:
    ccc = client(server.endpoint, v2=True)
    err = raised(lambda: ccc.hold_call(models.HoldCallRequest(**agent())))
    assert err.code == "Parameter.Blank"
    assert json.loads(json.dumps(err.data))["RequestId"] == err.request_id
