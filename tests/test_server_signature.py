"""Signature verification: known-answer vectors from the SDK itself, and every way to fail.

Vectors come from three places: the two requests captured in ``wire-protocol.md`` (signed with
secret ``sk``), the SDK's own signing helpers (``alibabacloud_tea_openapi.utils``) on fixed
inputs, and real requests the SDK sends (sync and async, V3 and V2, query and form bodies) to a
tiny capturing server. No emulator runs here: the verifier is pure, its clock injected.
"""

from __future__ import annotations

import asyncio
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import attrs
import pytest
from alibabacloud_ccc20200701 import models
from alibabacloud_tea_openapi.utils import (
    Utils,
    get_canonical_query_string,
    get_canonicalized_headers,
)
from darabonba.request import DaraRequest
from server_support import client

from callstate.domain import (
    IncompleteSignature,
    InvalidAccessKeyIdNotFound,
    InvalidParameterName,
    InvalidTimeStampExpired,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
)
from callstate.server import Verifier, WireRequest
from callstate.server._signature import (
    EMPTY_SHA256,
    SKEW_MS,
    canonical_query,
    canonical_request,
    parse_authorization,
    parse_form,
    parse_query,
    parse_time,
    rpc_string_to_sign,
    sign_v2,
    sign_v3,
    v3_string_to_sign,
)

TRICKY = "a b+c*d~e/f?g=h&i%j:k@l;m,n'o\"p(q)!r$é中"

# --- the captures of wire-protocol.md §3 and §4 (AccessKeyId ak, secret sk) -------------------
V3_QUERY = (
    "ChannelId=ch%3Acustomer%3Aa-%3Eb%3A1%3Ajob-1&DeviceId=dev-1&InstanceId=ccc-test"
    "&JobId=job-1&UserId=u%40ccc-test"
)
V3_SIGNED = (
    "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;"
    "x-acs-date;x-acs-signature-nonce;x-acs-version"
)
V3_SIGNATURE = "e34d7fcbb077edaccdf305911b0c1fcae46490bb57c759bee70c8e71fca5969a"
V3_HEADERS = {
    "accept-encoding": "identity",
    "host": "127.0.0.1:37135",
    "x-acs-version": "2020-07-01",
    "x-acs-action": "HoldCall",
    "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
    "x-acs-date": "2026-11-24T00:10:54Z",
    "x-acs-signature-nonce": "76164cc118f5bacaab53f2489e09611a",
    "accept": "application/json",
    "x-acs-content-sha256": EMPTY_SHA256,
    "x-acs-credentials-provider": "static_ak",
    "authorization": f"ACS3-HMAC-SHA256 Credential=ak,SignedHeaders={V3_SIGNED},"
    f"Signature={V3_SIGNATURE}",
    "content-length": "0",
}
V3_CANONICAL = "\n".join(
    [
        "POST",
        "/",
        V3_QUERY,
        "accept:application/json",
        "host:127.0.0.1:37135",
        "user-agent:AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
        "x-acs-action:HoldCall",
        f"x-acs-content-sha256:{EMPTY_SHA256}",
        "x-acs-credentials-provider:static_ak",
        "x-acs-date:2026-11-24T00:10:54Z",
        "x-acs-signature-nonce:76164cc118f5bacaab53f2489e09611a",
        "x-acs-version:2020-07-01",
        "",
        V3_SIGNED,
        EMPTY_SHA256,
    ]
)
V2_QUERY = (
    "Action=HoldCall&Format=json&Version=2020-07-01&Timestamp=2026-11-24T00%3A09%3A16Z"
    "&SignatureNonce=de67a38d39b5e2a58c879ccc1e85f886&ChannelId=ch%3Acustomer%3Aa-%3Eb%3A1%3Ajob-1"
    "&DeviceId=dev-1&InstanceId=ccc-test&JobId=job-1&UserId=u%40ccc-test"
    "&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=ak"
    "&Signature=ssGe%2Bge2R4hizcfb4snXokaSapo%3D"
)


def wire(
    query: str, headers: dict[str, str], body: bytes = b"", method: str = "POST"
) -> WireRequest:
    form_type = headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    return WireRequest(
        method=method,
        path="/",
        query=parse_query(query),
        headers={k.lower(): (v,) for k, v in headers.items()},
        body=body,
        form=parse_form(body) if form_type else {},
    )


def verifier_at(date: str, **credentials: str) -> Verifier:
    at = parse_time(date)
    return Verifier(credentials or {"ak": "sk"}, lambda: at)


def test_the_documented_v3_capture_rebuilds_its_canonical_request_and_signature() -> None:
    request = wire(V3_QUERY, V3_HEADERS)
    _, signed, signature = parse_authorization(V3_HEADERS["authorization"])
    canonical = canonical_request(request, signed, EMPTY_SHA256)
    assert canonical == V3_CANONICAL
    to_sign = v3_string_to_sign(canonical)
    assert to_sign == (
        "ACS3-HMAC-SHA256\n55d9ba47f0014a85392b5a7f817e58690ef6a64c667a4f5f2ca5de06e0c28fd6"
    )
    assert sign_v3("sk", to_sign) == signature == V3_SIGNATURE
    assert verifier_at("2026-11-24T00:10:54Z").verify(request) == "ak"


def test_the_documented_v2_capture_verifies() -> None:
    request = wire(V2_QUERY, {"host": "127.0.0.1:34279"})
    params = {k: v for k, v in request.query.items() if k != "Signature"}
    assert sign_v2("sk", rpc_string_to_sign("POST", params)) == "ssGe+ge2R4hizcfb4snXokaSapo="
    assert verifier_at("2026-11-24T00:09:16Z").verify(request) == "ak"


# --- the SDK's own helpers on fixed inputs ------------------------------------------------------
QUERY_CASES = [
    {"JobId": "job-1", "ChannelId": "ch:customer:a->b:1:job-1", "UserId": "u@ccc-test"},
    {"Music": TRICKY, "Empty": "", "Z": "1", "A": "True"},
    {"List": '["sg1@ccc-test","sg2@ccc-test"]', "Space": " x ", "Plus": "+"},
    {},
]


@pytest.mark.parametrize("query", QUERY_CASES)
def test_canonical_query_is_the_sdks(query: dict[str, str]) -> None:
    assert canonical_query(query) == get_canonical_query_string(query)


@pytest.mark.parametrize("query", QUERY_CASES)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_v3_signatures_equal_the_sdks_authorization(query: dict[str, str], method: str) -> None:
    body = b"AgentIdList=%5B%22a%22%5D&StateList=%5B%5D" if method == "POST" else b""
    payload = hashlib.sha256(body).hexdigest()
    headers = {
        "host": "127.0.0.1:8080",
        "x-acs-version": "2020-07-01",
        "x-acs-action": "ListRealtimeAgentStates",
        "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
        "x-acs-date": "2026-11-24T00:10:54Z",
        "x-acs-signature-nonce": "0123456789abcdef0123456789abcdef",
        "accept": "application/json",
        "x-acs-content-sha256": payload,
        "content-type": "application/x-www-form-urlencoded",
        "x-acs-security-token": "  tok  ",
    }
    sdk_request = DaraRequest()
    sdk_request.method, sdk_request.pathname = method, "/"
    sdk_request.query, sdk_request.headers = dict(query), dict(headers)
    authorization = Utils.get_authorization(sdk_request, "ACS3-HMAC-SHA256", payload, "k1", "s1")
    canonical_headers, signed = get_canonicalized_headers(headers)
    assert canonical_headers.endswith("x-acs-version:2020-07-01\n")

    received = wire(urlencode(query), {**headers, "authorization": authorization}, body, method)
    access_key_id, signed_headers, signature = parse_authorization(authorization)
    assert ";".join(signed_headers) == signed
    assert signature == sign_v3(
        "s1", v3_string_to_sign(canonical_request(received, signed_headers, payload))
    )
    assert verifier_at("2026-11-24T00:10:54Z", k1="s1").verify(received) == access_key_id


@pytest.mark.parametrize("query", QUERY_CASES)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_v2_signatures_equal_the_sdks(query: dict[str, str], method: str) -> None:
    params = {
        **query,
        "Action": "HoldCall",
        "Format": "json",
        "Version": "2020-07-01",
        "Timestamp": "2026-11-24T00:09:16Z",
        "SignatureNonce": "n-1",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": "k2",
    }
    expected = Utils.get_rpcsignature(params, method, "s2")
    assert sign_v2("s2", rpc_string_to_sign(method, params)) == expected
    received = wire(urlencode({**params, "Signature": expected}), {}, method=method)
    assert verifier_at("2026-11-24T00:09:16Z", k2="s2").verify(received) == "k2"


# --- real requests the SDK sends ----------------------------------------------------------------
@attrs.frozen
class Captured:
    method: str
    query: str
    headers: dict[str, str]
    body: bytes

    def wire(self) -> WireRequest:
        return wire(self.query, self.headers, self.body, self.method)

    @property
    def date(self) -> str:
        return self.headers.get("x-acs-date") or self.wire().query["Timestamp"]


class _Capture(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[Captured]

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        _, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.seen.append(Captured(self.command, query, headers, body))
        reply = json.dumps({"RequestId": "X", "Code": "OK", "HttpStatusCode": 200}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json;charset=utf-8")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def capture() -> Iterator[tuple[str, list[Captured]]]:
    seen: list[Captured] = []
    handler = type("Handler", (_Capture,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def _send(endpoint: str, v2: bool, use_async: bool, form: bool) -> None:
    ccc = client(endpoint, v2=v2, ak="ak", secret="sk")
    if form:
        request: Any = models.ListRealtimeAgentStatesRequest(
            instance_id="ccc-test", agent_id_list=json.dumps([TRICKY]), state_list='["READY"]'
        )
        call = ccc.list_realtime_agent_states_async if use_async else ccc.list_realtime_agent_states
    else:
        request = models.HoldCallRequest(
            instance_id="ccc-test",
            job_id="job-1",
            channel_id="ch:customer:a->b:1:job-1",
            device_id="dev-1",
            user_id="u@ccc-test",
            music=TRICKY,
        )
        call = ccc.hold_call_async if use_async else ccc.hold_call
    if use_async:
        asyncio.run(call(request))
    else:
        call(request)


@pytest.mark.parametrize("form", [False, True], ids=["query", "form-body"])
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_requests_the_sdk_really_sends_verify(
    capture: tuple[str, list[Captured]], v2: bool, use_async: bool, form: bool
) -> None:
    endpoint, seen = capture
    seen.clear()
    _send(endpoint, v2, use_async, form)
    (sent,) = seen
    request = sent.wire()
    assert ("authorization" in sent.headers) is not v2
    assert bool(request.form) is form
    verifier = verifier_at(sent.date, ak="sk")
    assert verifier.verify(request) == "ak"
    with pytest.raises(SignatureNonceUsed):
        verifier.verify(request)
    if form:
        assert json.loads(request.form["AgentIdList"]) == [TRICKY]
    else:
        assert request.query["Music"] == TRICKY


# --- every way to fail ------------------------------------------------------------------------
@pytest.fixture
def sent(capture: tuple[str, list[Captured]]) -> Captured:
    endpoint, seen = capture
    seen.clear()
    _send(endpoint, v2=False, use_async=False, form=True)
    return seen[0]


def _tampered(sent: Captured, **changes: Any) -> WireRequest:
    return attrs.evolve(sent.wire(), **changes)


def test_wrong_secret_does_not_match(sent: Captured) -> None:
    with pytest.raises(SignatureDoesNotMatch):
        verifier_at(sent.date, ak="not-sk").verify(sent.wire())


def test_unknown_access_key_is_not_found(sent: Captured) -> None:
    with pytest.raises(InvalidAccessKeyIdNotFound):
        verifier_at(sent.date, other="sk").verify(sent.wire())


@pytest.mark.parametrize(
    "change",
    [
        "query value",
        "query added",
        "action header",
        "date header",
        "body with its hash",
        "body without its hash",
        "method",
    ],
)
def test_tampering_does_not_match(sent: Captured, change: str) -> None:
    request = sent.wire()
    headers = dict(request.headers)
    if change == "query value":
        request = attrs.evolve(request, query={**request.query, "InstanceId": "other"})
    elif change == "query added":
        request = attrs.evolve(request, query={**request.query, "UserId": "x@ccc-test"})
    elif change == "action header":
        headers["x-acs-action"] = ("ResetAgentState",)
        request = attrs.evolve(request, headers=headers)
    elif change == "date header":
        headers["x-acs-date"] = ("2026-11-24T00:10:55Z",)
        request = attrs.evolve(request, headers=headers)
    elif change.startswith("body"):
        body = request.body + b"&StateList=%5B%22BREAK%22%5D"
        if change == "body with its hash":
            headers["x-acs-content-sha256"] = (hashlib.sha256(body).hexdigest(),)
        request = attrs.evolve(request, body=body, headers=headers, form=parse_form(body))
    else:
        request = attrs.evolve(request, method="GET")
    with pytest.raises(SignatureDoesNotMatch):
        verifier_at(sent.date, ak="sk").verify(request)


@pytest.mark.parametrize("offset_ms", [SKEW_MS + 1000, -(SKEW_MS + 1000)])
def test_a_date_beyond_fifteen_minutes_either_way_is_expired(
    sent: Captured, offset_ms: int
) -> None:
    at = parse_time(sent.date) + offset_ms
    with pytest.raises(InvalidTimeStampExpired):
        Verifier({"ak": "sk"}, lambda: at).verify(sent.wire())


@pytest.mark.parametrize("offset_ms", [SKEW_MS, -SKEW_MS])
def test_fifteen_minutes_exactly_is_accepted(sent: Captured, offset_ms: int) -> None:
    at = parse_time(sent.date) + offset_ms
    assert Verifier({"ak": "sk"}, lambda: at).verify(sent.wire()) == "ak"


def test_a_nonce_is_used_once(sent: Captured) -> None:
    verifier = verifier_at(sent.date, ak="sk")
    verifier.verify(sent.wire())
    with pytest.raises(SignatureNonceUsed):
        verifier.verify(sent.wire())


def test_a_rejected_request_does_not_use_up_its_nonce(sent: Captured) -> None:
    verifier = verifier_at(sent.date, ak="sk")
    with pytest.raises(SignatureDoesNotMatch):
        verifier.verify(_tampered(sent, method="GET"))
    assert verifier.verify(sent.wire()) == "ak"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "ACS3-HMAC-SM3 Credential=ak,SignedHeaders=host,Signature=00",
        "ACS3-RSA-SHA256 Credential=ak,SignedHeaders=host,Signature=00",
        "Bearer token",
        "ACS3-HMAC-SHA256 Credential=ak,Signature=00",
    ],
)
def test_missing_or_foreign_signatures_are_incomplete(
    sent: Captured, authorization: str | None
) -> None:
    headers = dict(sent.wire().headers)
    if authorization is None:
        del headers["authorization"]
    else:
        headers["authorization"] = (authorization,)
    with pytest.raises(IncompleteSignature):
        verifier_at(sent.date, ak="sk").verify(_tampered(sent, headers=headers))


@pytest.mark.parametrize("header", ["x-acs-date", "x-acs-signature-nonce", "x-acs-action", "host"])
def test_v3_must_sign_the_headers_that_pin_a_request(sent: Captured, header: str) -> None:
    headers = dict(sent.wire().headers)
    ak, signed, _ = parse_authorization(headers["authorization"][0])
    kept = tuple(h for h in signed if h != header)
    request = _tampered(sent, headers=headers)
    signature = sign_v3("sk", v3_string_to_sign(canonical_request(request, kept, EMPTY_SHA256)))
    headers["authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={ak},SignedHeaders={';'.join(kept)},Signature={signature}",
    )
    with pytest.raises(IncompleteSignature):
        verifier_at(sent.date, ak="sk").verify(_tampered(sent, headers=headers))


def test_v2_without_its_common_parameters_is_incomplete() -> None:
    request = wire(V2_QUERY.replace("&SignatureNonce=de67a38d39b5e2a58c879ccc1e85f886", ""), {})
    with pytest.raises(IncompleteSignature):
        verifier_at("2026-11-24T00:09:16Z").verify(request)


def test_v2_tampered_query_does_not_match() -> None:
    request = wire(V2_QUERY.replace("JobId=job-1", "JobId=job-2"), {})
    with pytest.raises(SignatureDoesNotMatch):
        verifier_at("2026-11-24T00:09:16Z").verify(request)


@pytest.mark.parametrize("text", ["2026-11-24 00:10:54", "yesterday", "", "2026-11-24T00:10:54"])
def test_malformed_dates_are_incomplete(text: str) -> None:
    with pytest.raises(IncompleteSignature):
        parse_time(text)


def test_dates_parse_to_epoch_ms() -> None:
    assert parse_time("2020-07-01T00:00:00Z") == 1_593_561_600_000
    assert parse_time("2020-07-01T00:00:00.250Z") == 1_593_561_600_250


def test_the_query_is_decoded_once_whatever_the_client_encoded() -> None:
    sync = parse_query("ChannelId=ch%3Acustomer%3Aa-%3Eb%3A1&Music=a+b%2Bc&U=u%40x")
    async_ = parse_query("ChannelId=ch:customer:a-%3Eb:1&Music=a+b%2Bc&U=u@x")
    assert sync == async_ == {"ChannelId": "ch:customer:a->b:1", "Music": "a b+c", "U": "u@x"}
    assert parse_query("A=1&A=2&B")["A"] == "2" and parse_query("B")["B"] == ""
    assert parse_query(b"M=%C3%A9%E4%B8%AD") == parse_query("M=é中".encode()) == {"M": "é中"}


@pytest.mark.parametrize("name", ["Caller=X&DeviceId", "a%b", "a b", "é", ""])
def test_the_verifier_refuses_reserved_names_before_anything_else(
    sent: Captured, name: str
) -> None:
    request = sent.wire()
    for changed in (
        attrs.evolve(request, query={**request.query, name: "1"}),
        attrs.evolve(request, form={**request.form, name: "1"}),
    ):
        with pytest.raises(InvalidParameterName):
            verifier_at(sent.date, ak="sk").verify(changed)
    assert verifier_at(sent.date, ak="sk").verify(request) == "ak"
