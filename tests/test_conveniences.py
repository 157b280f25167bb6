"""The emulator's conveniences: health, version, ``python -m``, clear refusals at start,
a prompt SIGTERM, the action in the access log, unimplemented actions named, ``--identity``."""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_tea_openapi.exceptions import ClientException
from server_support import AK, SECRET, SSE, ServeProcess, agent, client, sign_in

import callstate
from callstate.domain import ACTIONS
from callstate.server import ThreadedServer
from callstate.server._gateway import sdk_actions

CLI = [sys.executable, "-m", "callstate"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60, check=False)


def get_json(url: str, path: str) -> tuple[int, dict[str, Any]]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_python_dash_m_and_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"callstate {callstate.__version__}"
    assert run_cli("demo").stdout.count(">>> ") == 6  # python -m callstate runs the command line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--port", "99999"), "argument --port: a port is 0 to 65535, got '99999'"),
        (("--host", "192.0.2.1"), "callstate: cannot listen on 192.0.2.1:8080: "),
        (("--store", "redis://127.0.0.1:1/0"), "(Error 111 connecting to 127.0.0.1:1."),
        (("--identity", "just-a-key"), "expected AK=USERID, got 'just-a-key'"),
    ],
    ids=["port-range", "not-an-interface", "store-unreachable", "identity"],
)
def test_a_refusal_at_start_is_one_line_with_its_cause(args: tuple[str, ...], says: str) -> None:
    done = run_cli("serve", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert says in done.stderr
    assert done.stderr.strip().splitlines()[-1].count(says) == 1


def test_a_port_in_use_is_refused_with_its_cause() -> None:
    served = ServeProcess("--no-access-log")
    try:
        done = run_cli("serve", "--port", served.url.rsplit(":", 1)[1])
    finally:
        served.stop()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"callstate: cannot listen on 127.0.0.1:{served.url.rsplit(':', 1)[1]}: "
        "Address already in use"
    )


def test_sigterm_stops_within_half_a_second_with_clients_connected() -> None:
    served = ServeProcess()
    ccc = client(served.endpoint)  # its pooled keep-alive connection stays open
    sign_in(ccc, agent())
    stream = SSE(served.url, "/_callstate/events")
    while not served.lines.empty():  # what it printed at start
        served.lines.get()
    served.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    line = served.lines.get(timeout=10)
    while not line.startswith("callstate: stopped"):  # the access log's last lines
        line = served.lines.get(timeout=10)
    elapsed = time.monotonic() - started
    status = served.process.wait(10)
    stream.close()
    err = "".join(served.errors)
    assert line.startswith("callstate: stopped (SIGTERM)") and status == 0, err
    assert elapsed < 0.5, f"stopped {elapsed:.2f} s after SIGTERM"


def test_health(store_kind: str | None) -> None:
    """Open even with credentials: it is what a container's health check asks."""
    with ThreadedServer(credentials={AK: SECRET}) as server:
        status, body = get_json(server.url, "/_callstate/health")
    assert status == 200
    persistence = body.pop("persistence", None)
    assert body == {
        "status": "ok",
        "version": callstate.__version__,
        "store": store_kind or "memory",
    }
    if store_kind == "redis":
        assert persistence is not None and set(persistence) == {"appendonly", "appendfsync", "save"}
    else:
        assert persistence is None


def test_the_shipped_action_list_is_the_installed_sdks() -> None:
    """``callstate/data/ccc_actions.json`` lists exactly the actions the SDK's client calls."""
    import inspect

    import alibabacloud_ccc20200701.client as sdk

    called = set(re.findall(r"action = '(\w+)'", inspect.getsource(sdk)))
    assert sdk_actions() == called
    assert set(ACTIONS) < called


def test_an_sdk_action_callstate_lacks_is_named_and_a_typo_is_not_found() -> None:
    with ThreadedServer() as server:
        before = server.emulator.engine.snapshot()
        ccc = client(server.endpoint)
        with pytest.raises(ClientException) as info:
            ccc.list_skill_groups(models.ListSkillGroupsRequest(instance_id="ccc-test"))
        status, typo = get_json(
            server.url, "/?Action=HoldCal&Version=2020-07-01&InstanceId=ccc-test"
        )
        assert server.emulator.engine.snapshot() == before
    assert info.value.code == "InvalidAction.NotImplemented"
    assert info.value.data["HttpStatusCode"] == 404
    assert "ListSkillGroups" in info.value.message
    assert status == 404 and typo["Code"] == "InvalidAction.NotFound"


def test_the_access_log_names_the_action() -> None:
    served = ServeProcess()
    try:
        ccc = client(served.endpoint)
        ccc.poll_user_status(models.PollUserStatusRequest(**agent()))
    finally:
        _, out, _ = served.stop()
    lines = [line for line in out.splitlines() if '"POST /?' in line]
    assert lines and lines[0].endswith(' [PollUserStatus] HTTP/1.1" 200 OK'), out


def test_identity_makes_a_request_without_user_id_act_as_that_agent() -> None:
    served = ServeProcess(
        "--credentials", "desk-ak:desk-secret", "--identity", "desk-ak=user-test@ccc-test"
    )
    try:
        ccc = client(served.endpoint, ak="desk-ak", secret="desk-secret")
        polled = ccc.poll_user_status(models.PollUserStatusRequest(instance_id="ccc-test"))
        with pytest.raises(ClientException) as named:  # an explicit UserId wins
            ccc.poll_user_status(
                models.PollUserStatusRequest(instance_id="ccc-test", user_id="nobody@ccc-test")
            )
    finally:
        served.stop()
    assert polled.body.data.user_context.user_id == "user-test@ccc-test"
    assert named.value.code == "NotExists.UserId" and "nobody@ccc-test" in named.value.message


def test_without_an_identity_a_missing_user_id_is_blank() -> None:
    with ThreadedServer(identities={"other": "user-test@ccc-test"}) as server:
        with pytest.raises(ClientException) as info:
            client(server.endpoint).poll_user_status(
                models.PollUserStatusRequest(instance_id="ccc-test")
            )
        ok = client(server.endpoint, ak="other").poll_user_status(
            models.PollUserStatusRequest(instance_id="ccc-test")
        )
    assert info.value.code == "Parameter.Blank"
    assert ok.body.data.user_context.user_id == "user-test@ccc-test"
