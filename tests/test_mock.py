"""``callstate.mock_ccc()``: the official SDK against an in-process engine, no socket, with the
emulator's bodies and exceptions."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from server_support import AGENT, CUSTOMER, GROUP, INSTANCE, NUMBER, client

import callstate
from callstate import Engine, Ids, ManualClock
from callstate.domain import ACTIONS
from callstate.server import ThreadedServer

ENDPOINT = "ccc.cn-shanghai.aliyuncs.com"  # never reached inside the mock


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch, store_kind: str | None) -> None:
    """No socket is connected (but a Redis store's own connections)."""
    if store_kind == "redis":
        return

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a socket was opened inside mock_ccc()")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def me(**more: str) -> dict[str, Any]:
    return {"instance_id": INSTANCE, "user_id": AGENT, "device_id": "dev-1", **more}


def answered(call: Any, request: Any) -> Any:
    """The response, or the error body the SDK raised."""
    try:
        return call(request)
    except ClientException as err:
        return err.data


def script(ccc: Any) -> list[tuple[str, Any]]:
    """Every implemented action once, each accepted, then a refusal."""
    done: list[tuple[str, Any]] = []

    def do(action: str, call: Any, request: Any) -> Any:
        done.append((action, answered(call, request)))
        return done[-1][1]

    groups = f'["{GROUP}"]'
    do(
        "SignInGroup",
        ccc.sign_in_group,
        models.SignInGroupRequest(**me(), signed_skill_group_id_list=groups),
    )
    do("TakeBreak", ccc.take_break, models.TakeBreakRequest(**me(), code="lunch"))
    do("ReadyForService", ccc.ready_for_service, models.ReadyForServiceRequest(**me()))
    made = do(
        "MakeCall", ccc.make_call, models.MakeCallRequest(**me(), caller=NUMBER, callee=CUSTOMER)
    )
    job = made.body.data.call_context.job_id
    legs = made.body.data.call_context.channel_contexts
    customer = next(c.channel_id for c in legs if not c.user_id)
    leg = {"job_id": job, "channel_id": customer}
    do("HoldCall", ccc.hold_call, models.HoldCallRequest(**me(), **leg))
    do("RetrieveCall", ccc.retrieve_call, models.RetrieveCallRequest(**me(), **leg))
    do("MuteCall", ccc.mute_call, models.MuteCallRequest(**me(), job_id=job))
    do("UnmuteCall", ccc.unmute_call, models.UnmuteCallRequest(**me(), job_id=job))
    dtmf = models.SendDtmfSignalingRequest(**me(), **leg, dtmf="1")
    do("SendDtmfSignaling", ccc.send_dtmf_signaling, dtmf)
    do("PollUserStatus", ccc.poll_user_status, models.PollUserStatusRequest(**me()))
    do("ReleaseCall", ccc.release_call, models.ReleaseCallRequest(**me(), job_id=job))
    redial = models.RedialCallRequest(**me(), job_id=job)
    do("RedialCall", ccc.redial_call, redial)  # refused: the agent is in after-call work
    do("AnswerCall", ccc.answer_call, models.AnswerCallRequest(**me(), job_id=job))  # refused
    do(
        "ChangeWorkMode",
        ccc.change_work_mode,
        models.ChangeWorkModeRequest(**me(), work_mode="ON_SITE"),
    )
    visibility = models.ChangeVisibilityRequest(instance_id=INSTANCE, user_id=AGENT, invisible=True)
    do("ChangeVisibility", ccc.change_visibility, visibility)
    do("SignOutGroup", ccc.sign_out_group, models.SignOutGroupRequest(**me()))
    do("ResetAgentState", ccc.reset_agent_state, models.ResetAgentStateRequest(**me()))
    do("ListRealtimeAgentStates", ccc.list_realtime_agent_states, agent_board('["Offline"]'))
    do(
        "ListRealtimeSkillGroupStates",
        ccc.list_realtime_skill_group_states,
        models.ListRealtimeSkillGroupStatesRequest(
            instance_id=INSTANCE, page_number=1, page_size=10, skill_group_id_list=groups
        ),
    )
    do(
        "ClaimCall",
        ccc.claim_call,
        models.ClaimCallRequest(instance_id=INSTANCE, user_id=AGENT, job_id=job),
    )  # refused
    transfers = {
        "BlindTransfer": models.BlindTransferRequest(
            **me(), job_id=job, transferee=GROUP, transferee_type="SKILL_GROUP"
        ),
        "InitiateAttendedTransfer": models.InitiateAttendedTransferRequest(
            **me(), job_id=job, transferee=AGENT
        ),
        "CompleteAttendedTransfer": models.CompleteAttendedTransferRequest(**me(), job_id=job),
        "CancelAttendedTransfer": models.CancelAttendedTransferRequest(**me(), job_id=job),
        "SwitchToConference": models.SwitchToConferenceRequest(**me(), job_id=job),
        "StartConference": models.StartConferenceRequest(
            instance_id=INSTANCE, user_id=AGENT, participant_list_json='["80011475"]'
        ),
        "EndConference": models.EndConferenceRequest(
            instance_id=INSTANCE, user_id=AGENT, job_id=job
        ),
    }
    supervising = {  # refused too: the agent is signed out, and would supervise itself
        "MonitorCall": models.MonitorCallRequest(**me(), monitored_user_id=AGENT),
        "CoachCall": models.CoachCallRequest(**me(), job_id=job, coached_user_id=AGENT),
        "BargeInCall": models.BargeInCallRequest(**me(), job_id=job, barged_user_id=AGENT),
        "InterceptCall": models.InterceptCallRequest(**me(), job_id=job, intercepted_user_id=AGENT),
    }
    for name, request in {
        **transfers,
        **supervising,
    }.items():  # refused: the agent is signed out (or alone)
        method = "_".join(word.lower() for word in re.findall("[A-Z][a-z]+", name))
        do(name, getattr(ccc, method), request)
    phone = {"instance_id": INSTANCE, "user_id": AGENT}
    register = models.RegisterDeviceRequest(**phone, device_id="phone-1", password="s3cret")
    do("RegisterDevice", ccc.register_device, register)
    do("GetUser", ccc.get_user, models.GetUserRequest(**phone))
    do("ListDevices", ccc.list_devices, models.ListDevicesRequest(instance_id=INSTANCE))
    do("GetLoginDetails", ccc.get_login_details, models.GetLoginDetailsRequest(**phone))
    do("refused", ccc.hold_call, models.HoldCallRequest(**me(), job_id="job-nope", channel_id="c"))
    return done


TRANSFERS = ("BlindTransfer", "InitiateAttendedTransfer", "CompleteAttendedTransfer",
             "CancelAttendedTransfer", "SwitchToConference", "StartConference",
             "EndConference")  # fmt: skip
SUPERVISING = ("MonitorCall", "CoachCall", "BargeInCall", "InterceptCall")


def agent_board(states: str) -> Any:
    """The agent's row on the board if its state is one of ``states`` (the SDK sends both
    lists in a form body)."""
    return models.ListRealtimeAgentStatesRequest(
        instance_id=INSTANCE, page_number=1, page_size=10, agent_id_list=f'["{AGENT}"]',
        state_list=states,
    )  # fmt: skip


def normalised(result: Any) -> Any:
    """A response or error body, without what differs between two runs (request ids)."""
    body = result if isinstance(result, dict) else result.body.to_map()
    status = body.get("HttpStatusCode", getattr(result, "status_code", None))
    return {k: v for k, v in body.items() if k != "RequestId"}, status


def test_every_action_answers_as_the_emulator_does(no_sockets: None) -> None:
    with callstate.mock_ccc(Engine(clock=ManualClock(), ids=Ids(seed=7))):
        mocked = {name: normalised(r) for name, r in script(client(ENDPOINT))}
    assert set(mocked) == {*ACTIONS, "refused"}
    refused = {"AnswerCall", "ClaimCall", "RedialCall", "refused", *TRANSFERS, *SUPERVISING}
    assert all(mocked[name][1] == 200 for name in set(ACTIONS) - refused), mocked
    assert mocked["refused"][0]["Code"] == "NotExists.JobId"
    (row,) = mocked["ListRealtimeAgentStates"][0]["Data"]["List"]
    assert (row["AgentId"], row["State"]) == (AGENT, "Offline")
    (group,) = mocked["ListRealtimeSkillGroupStates"][0]["Data"]["List"]
    assert (group["SkillGroupId"], group["TotalAgents"], group["LoggedInAgents"]) == (GROUP, 1, 0)
    assert mocked["RedialCall"][0]["Code"] == "InvalidOperation.UserState"
    (device,) = mocked["ListDevices"][0]["Data"]
    assert (device["DeviceId"], mocked["GetUser"][0]["Data"]["DeviceState"]) == (
        "phone-1",
        "ONLINE",
    )


def test_the_board_filters_by_the_lists_the_sdk_sends_in_its_form_body(no_sockets: None) -> None:
    with callstate.mock_ccc(Engine(clock=ManualClock(), ids=Ids(seed=7))):
        ccc = client(ENDPOINT)
        offline = ccc.list_realtime_agent_states(agent_board('["Offline"]')).body.data
        ready = ccc.list_realtime_agent_states(agent_board('["Ready","Talking"]')).body.data
        try:
            ccc.list_realtime_agent_states(agent_board('["Away"]'))
        except ClientException as err:
            refused = err.data
    assert (offline.total_count, ready.total_count, ready.list) == (1, 0, [])
    assert refused["Code"] == "Parameter.Enumeration" and refused["Params"][0] == "StateList"


def test_the_mock_and_the_emulator_give_the_same_bodies_and_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with callstate.mock_ccc(Engine(clock=ManualClock(), ids=Ids(seed=7))):
        mocked = [(name, normalised(r)) for name, r in script(client(ENDPOINT))]
    with ThreadedServer(Engine(clock=ManualClock(), ids=Ids(seed=7))) as server:
        served = [(name, normalised(r)) for name, r in script(client(server.endpoint))]
        url = server.url
    # The one difference: the emulator serves an event stream, the workbench's agent server;
    # the mock serves nothing, so it has no URL to tell.
    login = dict(served)["GetLoginDetails"][0]["Data"]
    assert login.pop("AgentServerUrl") == f"{url}/_callstate/events"
    assert dict(mocked)["GetLoginDetails"][0]["Data"].pop("AgentServerUrl") == ""
    assert mocked == served
    assert ("refused", ({"Code": "NotExists.JobId", "HttpStatusCode": 404,
            "Message": "The call job-nope does not exist.", "Params": ["job-nope"],
            "statusCode": 404}, 404)) in mocked  # fmt: skip


def test_async_calls_and_the_decorator(no_sockets: None) -> None:
    @callstate.mock_ccc()
    async def polled() -> str:
        ccc = client(ENDPOINT)
        reply = await ccc.poll_user_status_async(models.PollUserStatusRequest(**me()))
        return str(reply.body.data.user_context.user_state)

    assert asyncio.run(polled()) == "OFFLINE"


def test_each_decorated_call_gets_a_fresh_world(no_sockets: None) -> None:
    @callstate.mock_ccc()
    def sign_in() -> str:
        request = models.SignInGroupRequest(**me(), signed_skill_group_id_list=f'["{GROUP}"]')
        return str(client(ENDPOINT).sign_in_group(request).body.data.user_state)

    @callstate.mock_ccc()
    def state() -> str:
        polled = client(ENDPOINT).poll_user_status(models.PollUserStatusRequest(**me()))
        return str(polled.body.data.user_context.user_state)

    assert sign_in() == "READY"
    assert state() == "OFFLINE"


def test_signatures_are_checked_with_credentials(no_sockets: None) -> None:
    with callstate.mock_ccc(credentials={"ak": "secret"}):
        ok = client(ENDPOINT, ak="ak", secret="secret")
        assert ok.poll_user_status(models.PollUserStatusRequest(**me())).status_code == 200
        with pytest.raises(ClientException) as info:
            client(ENDPOINT, ak="ak", secret="wrong").poll_user_status(
                models.PollUserStatusRequest(**me())
            )
    assert info.value.code == "SignatureDoesNotMatch"


def test_time_and_signals_through_the_mock(no_sockets: None) -> None:
    with callstate.mock_ccc() as mock:
        ccc = client(ENDPOINT)
        sign_in = models.SignInGroupRequest(**me(), signed_skill_group_id_list=f'["{GROUP}"]')
        ccc.sign_in_group(sign_in)
        made = ccc.make_call(models.MakeCallRequest(**me(), caller=NUMBER, callee="13188888888"))
        assert made.body.data.user_context.user_state == "DIALING"
        mock.network.advance(2000)  # 13188888888 answers after 1075 ms
        polled = ccc.poll_user_status(models.PollUserStatusRequest(**me()))
    assert polled.body.data.user_context.user_state == "TALKING"


def test_the_transport_is_restored_after_the_block() -> None:
    from darabonba.core import DaraCore

    before = DaraCore.do_action, DaraCore.async_do_action
    with pytest.raises(RuntimeError), callstate.mock_ccc():
        raise RuntimeError
    assert (DaraCore.do_action, DaraCore.async_do_action) == before
