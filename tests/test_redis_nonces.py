"""Replay protection shared by replicas: on Redis a nonce is claimed in the store (``SET NX PX``),
so a captured request is accepted once across every server of the namespace."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
import redis
from conftest import RedisServer
from server_support import AGENT, AK, INSTANCE, SECRET, http_call, sdk_signed_headers

from callstate import Engine
from callstate.engine._redis import RedisStore
from callstate.server import ThreadedServer

pytestmark = pytest.mark.redis_store

QUERY = {"InstanceId": INSTANCE, "UserId": AGENT}


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


def test_a_request_replayed_to_another_replica_is_refused(replicas: list[ThreadedServer]) -> None:
    one, other = replicas
    headers = sdk_signed_headers(one.endpoint, "PollUserStatus", QUERY)
    path = f"/?InstanceId={INSTANCE}&UserId={AGENT}"
    answers = [http_call(server.url, "POST", path, b"", headers) for server in (one, other, one)]
    statuses = [(status, json.loads(body)["Code"]) for status, _, body in answers]
    assert statuses == [(200, "OK"), (400, "SignatureNonceUsed"), (400, "SignatureNonceUsed")]


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
