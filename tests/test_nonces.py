"""Replay protection: a nonce is remembered for its whole window, whatever the rate, and on a
shared store it is claimed in the store (``SET NX PX``), so a captured request is accepted once
across every replica. Nonces are at most 128 bytes."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import redis
from alibabacloud_tea_openapi.utils import Utils
from conftest import RedisServer
from server_support import AGENT, AK, INSTANCE, SECRET, http_call, sdk_signed_headers

from callstate import Engine
from callstate.domain import IncompleteSignature, ServiceUnavailable, SignatureNonceUsed
from callstate.engine._redis import RedisStore
from callstate.server import NonceCache, ThreadedServer, Verifier, WireRequest
from callstate.server._signature import parse_query, parse_time

QUERY = {"InstanceId": INSTANCE, "UserId": AGENT}
HOST = "127.0.0.1:8080"


def v3_request(nonce: str | None = None) -> tuple[WireRequest, int]:
    """A V3 request signed by the SDK's signer, and its signed instant (epoch ms)."""
    headers = sdk_signed_headers(HOST, "PollUserStatus", QUERY, nonce=nonce)
    wire = WireRequest("POST", "/", QUERY, {k: (v,) for k, v in headers.items()})
    return wire, parse_time(headers["x-acs-date"])


def v2_request(nonce: str) -> tuple[WireRequest, int]:
    """A V2 request signed by the SDK's signer, and its signed instant (epoch ms)."""
    params = {
        **QUERY,
        "Action": "PollUserStatus",
        "Version": "2020-07-01",
        "Timestamp": "2026-11-24T00:09:16Z",
        "SignatureNonce": nonce,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": AK,
    }
    signed = {**params, "Signature": Utils.get_rpcsignature(params, "POST", SECRET)}
    wire = WireRequest("POST", "/", parse_query(urlencode(signed)), {})
    return wire, parse_time(params["Timestamp"])


# --- the process-local cache --------------------------------------------------------------------
def test_nonces_expire() -> None:
    cache = NonceCache()
    assert cache.use("n", expires_ms=1000, now_ms=0)
    assert not cache.use("n", expires_ms=1000, now_ms=999)
    assert cache.use("n", expires_ms=3000, now_ms=1000)  # forgotten at its expiry
    assert len(cache) == 1


def test_a_full_nonce_cache_refuses_rather_than_forgets() -> None:
    cache = NonceCache(max_entries=3)
    for i, expiry in enumerate([500, 100, 900]):
        assert cache.use(f"n{i}", expires_ms=expiry, now_ms=0)
    with pytest.raises(ServiceUnavailable):
        cache.use("n3", expires_ms=700, now_ms=0)
    assert not cache.use("n1", expires_ms=700, now_ms=99)  # still remembered: a replay
    assert len(cache) == 3
    assert cache.use("n3", expires_ms=700, now_ms=100)  # n1 expired at 100: room again
    assert not cache.use("n3", expires_ms=700, now_ms=100)


def test_a_full_nonce_cache_is_a_503_and_forgets_nothing() -> None:
    (first, at), (second, _) = v3_request(), v3_request()
    verifier = Verifier({AK: SECRET}, lambda: at, nonces=NonceCache(max_entries=1))
    assert verifier.verify(first) == AK
    with pytest.raises(ServiceUnavailable):
        verifier.verify(second)
    with pytest.raises(SignatureNonceUsed):
        verifier.verify(first)


@pytest.mark.parametrize(("size", "accepted"), [(128, True), (129, False), (32_768, False)])
@pytest.mark.parametrize("v2", [False, True], ids=["v3", "v2"])
def test_a_nonce_over_128_bytes_is_refused(size: int, accepted: bool, v2: bool) -> None:
    nonce = "n" * (size - 2) + "é"  # bytes, not characters
    request, at = v2_request(nonce) if v2 else v3_request(nonce)
    nonces = NonceCache()
    verifier = Verifier({AK: SECRET}, lambda: at, nonces=nonces)
    if accepted:
        assert verifier.verify(request) == AK
    else:
        with pytest.raises(IncompleteSignature):
            verifier.verify(request)
        assert len(nonces) == 0


# --- shared by the replicas of a Redis namespace ------------------------------------------------
@pytest.fixture
def replicas(redis_server: RedisServer) -> Iterator[list[ThreadedServer]]:
    url = redis_server.url(f"nonces-{secrets.token_hex(4)}")
    servers = [ThreadedServer(Engine(store=url), credentials={AK: SECRET}) for _ in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()
        server.emulator.engine.close()


@pytest.mark.redis_store
def test_a_request_replayed_to_another_replica_is_refused(replicas: list[ThreadedServer]) -> None:
    one, other = replicas
    headers = sdk_signed_headers(one.endpoint, "PollUserStatus", QUERY)
    path = f"/?{urlencode(QUERY)}"
    answers = [http_call(server.url, "POST", path, b"", headers) for server in (one, other, one)]
    statuses = [(status, json.loads(body)["Code"]) for status, _, body in answers]
    assert statuses == [(200, "OK"), (400, "SignatureNonceUsed"), (400, "SignatureNonceUsed")]


@pytest.mark.redis_store
def test_a_nonce_is_claimed_once_for_its_window(redis_server: RedisServer) -> None:
    store = RedisStore.from_url(redis_server.url())
    client = redis.Redis(port=redis_server.port)
    try:
        assert store.claim_nonce("n-1", 60_000)
        assert not store.claim_nonce("n-1", 60_000)
        assert store.claim_nonce("n-2", 60_000)
        (key,) = client.keys(f"{store.namespace}:nonce:n-1")
        assert 59_000 < client.pttl(key) <= 60_000  # remembered for the window, then forgotten
        assert store.claim_nonce("n-3", 1)
    finally:
        store.close()
        client.close()
