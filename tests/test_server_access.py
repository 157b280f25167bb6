"""Who may use the control plane: with credentials configured, only holders of an access key.

The scheme is HTTP Basic with an AccessKeyId and its AccessKeySecret (``curl -u AK:SECRET``).
Without credentials the control plane stays open (a test harness on loopback), and
``callstate serve --host`` on another interface warns about it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from server_support import (
    AK,
    INSTANCE,
    SECRET,
    SSE,
    Auth,
    ServeProcess,
    agent,
    client,
    control,
    http_call,
    sign_in,
)

from callstate import Engine, default_world
from callstate.server import ThreadedServer

OTHER = ("other", "a:b:c")
HUNG_UP = {"InstanceId": INSTANCE, "JobId": "job-1", "ChannelId": "ch:customer:x"}
ENDPOINTS = [
    ("POST", "/_callstate/reset", None),
    ("GET", "/_callstate/world", None),
    ("PUT", "/_callstate/world", default_world().to_dict()),
    ("POST", "/_callstate/signals/FarEndHungUp", HUNG_UP),
    ("GET", "/_callstate/state", None),
    ("GET", f"/_callstate/events?instance={INSTANCE}&after=0", None),
]
ENDPOINT_IDS = ["reset", "get-world", "put-world", "signal", "state", "events"]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine(), credentials={AK: SECRET, OTHER[0]: OTHER[1]}) as running:
        yield running


def _raw(header: str) -> dict[str, str]:
    return {"authorization": header}


REFUSED: list[tuple[Auth, dict[str, str]]] = [
    (None, {}),
    ((AK, "wrong"), {}),
    (("nobody", SECRET), {}),
    ((AK, ""), {}),
    ((OTHER[0], SECRET), {}),  # a known key with another key's secret
    (None, _raw("Bearer " + SECRET)),
    (None, _raw("Basic !!!not-base64")),
    (None, _raw("Basic dGVzdC1haw==")),  # "test-ak", no colon
    (None, _raw("Basic //79")),  # not UTF-8
]
REFUSED_IDS = ["none", "wrong-secret", "unknown-key", "empty-secret", "other-keys-secret",
               "bearer", "not-base64", "no-colon", "not-utf8"]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize(("auth", "headers"), REFUSED, ids=REFUSED_IDS)
def test_with_credentials_every_control_endpoint_needs_an_access_key(
    server: ThreadedServer,
    method: str,
    path: str,
    body: Any,
    auth: Auth,
    headers: dict[str, str],
) -> None:
    sign_in(client(server.endpoint), agent())
    before = control(server.url, "GET", "/_callstate/state")
    status, answer_headers, data = http_call(server.url, method, path, body, headers, auth=auth)
    answer = json.loads(data)
    assert (status, answer["Code"], answer["HttpStatusCode"]) == (401, "Unauthorized", 401)
    assert set(answer) == {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}
    assert "HTTP Basic" in answer["Message"]
    assert answer_headers["www-authenticate"] == 'Basic realm="callstate"'
    assert control(server.url, "GET", "/_callstate/state") == before  # nothing changed


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("auth", [(AK, SECRET), OTHER], ids=["ak", "other"])
def test_any_configured_access_key_opens_the_control_plane(
    server: ThreadedServer, method: str, path: str, body: Any, auth: Auth
) -> None:
    if "/events" in path:
        stream = SSE(server.url, path, auth=auth)
        stream.close()
        assert stream.status == 200
        return
    status, _, data = http_call(server.url, method, path, body, auth=auth)
    expected = 404 if "signals" in path else 200  # the signal is refused by the engine itself
    assert status == expected, data


def test_without_credentials_the_control_plane_stays_open() -> None:
    with ThreadedServer(Engine()) as running:
        assert control(running.url, "POST", "/_callstate/reset", auth=None)[0] == 200
        assert control(running.url, "GET", "/_callstate/state", auth=None)[0] == 200
        stream = SSE(running.url, "/_callstate/events", auth=None)
        stream.close()
        assert stream.status == 200


def test_an_rpc_request_is_not_authorised_by_basic_auth(server: ThreadedServer) -> None:
    query = f"/?Action=PollUserStatus&Version=2020-07-01&InstanceId={INSTANCE}&UserId=x"
    status, _, data = http_call(server.url, "GET", query, auth=(AK, SECRET))
    assert (status, json.loads(data)["Code"]) == (400, "IncompleteSignature")


@pytest.mark.parametrize(
    ("args", "warns"),
    [(("--host", "0.0.0.0"), True),
     (("--host", "0.0.0.0", "--credentials", f"{AK}:{SECRET}"), False),
     (("--host", "localhost"), False)],
    ids=["public-open", "public-credentials", "loopback"],
)  # fmt: skip
def test_serving_beyond_loopback_without_credentials_warns(
    args: tuple[str, ...], warns: bool
) -> None:
    served = ServeProcess(*args, "--no-access-log")
    status, _, err = served.stop()
    assert status == 0, err
    assert ("WARNING" in err and "--credentials" in err and "/_callstate/" in err) is warns
