"""The HTTP edge's small rules: methods, literal paths, what error bodies may say, reset bodies.

Every refused request changes nothing: the agent signed in before it is still signed in after.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from server_support import AGENT, GROUP, INSTANCE, control, http_call

from callstate import Engine, Ids, default_world
from callstate.server import ThreadedServer

ME = {"InstanceId": INSTANCE, "UserId": AGENT, "DeviceId": "dev-1"}
ERROR_KEYS = {"Code", "HttpStatusCode", "Message", "Params", "RequestId"}


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Engine(ids=Ids(seed=11))) as running:
        yield running


@pytest.fixture(autouse=True)
def signed_in(server: ThreadedServer) -> None:
    """Every test starts from a fresh world with the agent signed in (READY)."""
    assert control(server.url, "POST", "/_callstate/reset")[0] == 200
    query = urlencode({"Action": "SignInGroup", "Version": "2020-07-01", **ME,
                       "SignedSkillGroupIdList": json.dumps([GROUP])})  # fmt: skip
    assert http_call(server.url, "GET", f"/?{query}")[0] == 200


def agent_state(server: ThreadedServer) -> str:
    query = urlencode({"Action": "PollUserStatus", "Version": "2020-07-01", **ME})
    status, _, body = http_call(server.url, "GET", f"/?{query}")
    assert status == 200, body
    return str(json.loads(body)["Data"]["UserContext"]["UserState"])


def error(data: bytes) -> dict[str, Any]:
    reply: dict[str, Any] = json.loads(data)
    assert set(reply) == ERROR_KEYS
    return reply


# --- methods ----------------------------------------------------------------------------------
def test_head_does_not_run_the_action(server: ThreadedServer) -> None:
    query = urlencode({"Action": "SignOutGroup", "Version": "2020-07-01", **ME})
    status, headers, body = http_call(server.url, "HEAD", f"/?{query}")
    assert (status, body) == (405, b"")  # a HEAD answer has no body, whatever its status
    assert "GET" in headers["allow"] and "POST" in headers["allow"]
    assert agent_state(server) == "READY"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("PUT", "/", "GET, POST"), ("DELETE", "/", "GET, POST"), ("PATCH", "/", "GET, POST"),
     ("POST", "/_callstate/state", "GET"), ("GET", "/_callstate/reset", "POST"),
     ("HEAD", "/_callstate/state", "GET"), ("DELETE", "/_callstate/world", "GET, PUT"),
     ("GET", "/_callstate/signals/FarEndHungUp", "POST")],
)  # fmt: skip
def test_a_known_path_with_another_method_is_a_405_ccc_body(
    server: ThreadedServer, method: str, path: str, allowed: str
) -> None:
    status, headers, data = http_call(server.url, method, path, b"{}")
    assert status == 405 and headers["allow"] == allowed
    if method != "HEAD":
        reply = error(data)
        assert (reply["Code"], reply["HttpStatusCode"]) == ("MethodNotAllowed", 405)
        assert reply["Params"] == [method, allowed]
    assert agent_state(server) == "READY"


# --- literal paths ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/_callstate%2Freset"), ("POST", "/%5Fcallstate/reset"),
     ("GET", "/_callstate%2fstate"), ("PUT", "/_callstate/%77orld"),
     ("POST", "/_callstate/signals%2FFarEndHungUp"), ("GET", "/%3FAction=PollUserStatus"),
     ("POST", "/_callstate/signals/"), ("POST", "/_callstate/signals/FarEndHungUp/")],
)  # fmt: skip
def test_encoded_paths_do_not_reach_the_control_plane(
    server: ThreadedServer, method: str, path: str
) -> None:
    status, _, data = http_call(server.url, method, path, b"")
    assert (status, error(data)["Code"]) == (404, "InvalidAction.NotFound")
    assert agent_state(server) == "READY"


# --- what error bodies say --------------------------------------------------------------------
def test_a_500_names_no_exception_class_and_logs_under_its_request_id(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class SecretFault(Exception):
        pass

    def boom(*args: Any) -> Any:
        raise SecretFault("hidden detail")

    monkeypatch.setattr(server.emulator.engine, "snapshot", boom)
    with caplog.at_level(logging.ERROR, "callstate"):
        status, _, data = http_call(server.url, "GET", "/_callstate/state")
    reply = error(data)
    assert (status, reply["Code"]) == (500, "InternalService.Common")
    assert "SecretFault" not in data.decode() and "hidden" not in data.decode()
    assert reply["Message"].startswith("An internal service error occurred.")
    logged = [r for r in caplog.records if reply["RequestId"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the traceback, under the same RequestId


def test_an_engine_fault_names_no_exception_class(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    engine = Engine(ids=Ids(seed=1))

    def boom(*args: Any) -> Any:
        raise LookupError("hidden detail")

    monkeypatch.setattr(engine, "_apply", boom)
    with caplog.at_level(logging.ERROR, "callstate"):
        reply = engine.handle("PollUserStatus", ME)
    assert (reply.status, reply.body["Code"]) == (500, "InternalService.Common")
    assert "LookupError" not in reply.to_json() and "hidden" not in reply.to_json()
    assert reply.body["RequestId"] in caplog.text and "hidden detail" in caplog.text


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"a": 1', b"[1, 2", b'"\\x"', b"\xff\xfe{", b"{}{}"]
)
def test_a_400_for_bad_json_does_not_quote_the_json_module(
    server: ThreadedServer, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "callstate"):
        status, _, data = http_call(server.url, "POST", "/_callstate/signals/FarEndHungUp", body)
    reply = error(data)
    assert (status, reply["Code"]) == (400, "Parameter.Format")
    assert reply["Message"] == "The format of parameter body is invalid. It is not JSON."
    for module_words in ("Expecting", "line 1", "column", "char ", "codec", "Extra data"):
        assert module_words not in reply["Message"]
    assert reply["RequestId"] in caplog.text  # the decoder's own words are logged


# --- reset and world bodies -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/_callstate/reset"), ("PUT", "/_callstate/world")]
)
@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        (b"{}", "Parameter.Invalid", "at least one instance"),
        (b'{"instances": []}', "Parameter.Invalid", "at least one instance"),
        (b"null", "Parameter.Format", "JSON object"),
        (b"\xef\xbb\xbf{}", "Parameter.Format", "byte-order mark"),
        (b"\xef\xbb\xbf" + json.dumps(default_world().to_dict()).encode(), "Parameter.Format",
         "byte-order mark"),
    ],
)  # fmt: skip
def test_worlds_that_would_wipe_every_instance_are_refused(
    server: ThreadedServer, method: str, path: str, body: bytes, code: str, needle: str
) -> None:
    status, _, data = http_call(server.url, method, path, body)
    reply = error(data)
    assert (status, reply["Code"]) == (400, code), reply
    assert needle in reply["Message"]
    assert agent_state(server) == "READY"
    assert control(server.url, "GET", "/_callstate/world")[1] == default_world().to_dict()


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_an_empty_reset_body_resets_to_the_current_world(
    server: ThreadedServer, body: bytes
) -> None:
    status, _, data = http_call(server.url, "POST", "/_callstate/reset", body)
    assert (status, json.loads(data)) == (200, {"instances": [INSTANCE]})
    assert agent_state(server) == "OFFLINE"
