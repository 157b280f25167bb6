"""Redis Cluster: instances spread over the nodes (one slot each), commands still atomic.

Three private ``redis-server`` nodes with ``--cluster-enabled yes``, the slots split among them
(``CLUSTER ADDSLOTSRANGE``, ``CLUSTER MEET``), and ``redis://...?cluster=yes``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
import redis
from conftest import RedisServer, free_port, redis_server_or_skip
from test_redis_concurrency import check_history, check_replies, contend, setup_calls

from callstate import Engine, EventType, default_world
from callstate.domain import ServiceUnavailable
from callstate.engine import RedisStore, open_store

pytestmark = pytest.mark.redis_store

SLOTS = 16384
NODES = 3
AGENT = {"UserId": "user-test@ccc-test", "DeviceId": "dev-1"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RedisServer]]:
    redis_server_or_skip()
    cluster = ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
    buses = [free_port() for _ in range(NODES)]  # not port + 10000: that may be above 65535
    nodes: list[RedisServer] = []
    try:
        for bus in buses:
            directory = tmp_path_factory.mktemp("node")
            nodes.append(RedisServer(directory, *cluster, "--cluster-port", str(bus)))
        clients = [redis.Redis(port=n.port, decode_responses=True) for n in nodes]
        for i, client in enumerate(clients):
            client.execute_command(  # type: ignore[no-untyped-call]
                "CLUSTER ADDSLOTSRANGE", i * SLOTS // NODES, (i + 1) * SLOTS // NODES - 1
            )
        for node, bus in zip(nodes[1:], buses[1:], strict=True):
            clients[0].execute_command(  # type: ignore[no-untyped-call]
                "CLUSTER MEET", "127.0.0.1", node.port, bus
            )
        deadline = time.monotonic() + 20
        while not all(c.cluster("INFO")["cluster_state"] == "ok" for c in clients):
            assert time.monotonic() < deadline, "the cluster did not form"
            time.sleep(0.05)
        for client in clients:
            client.close()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def url(nodes: list[RedisServer], name: str, **options: object) -> str:
    return nodes[0].url(f"{name}-{secrets.token_hex(4)}", cluster="yes", **options)


def test_instances_spread_over_the_nodes_and_share_one_truth(cluster: list[RedisServer]) -> None:
    world = default_world().to_dict()
    template = world["instances"][0]
    world["instances"] += [{**template, "instanceId": f"cc-{i}"} for i in range(8)]
    spec = url(cluster, "spread")
    one = Engine(world, store=spec, network=None)
    other = Engine(store=spec, network=None)  # another process: takes the stored world
    store = RedisStore.from_url(spec)
    client = store.client
    assert isinstance(client, redis.RedisCluster)
    nodes = {
        client.get_node_from_key(  # type: ignore[no-untyped-call]
            f"cs:{{{store.namespace}:{iid}}}:meta"
        ).port
        for iid in other.world.instances
    }
    assert len(nodes) > 1  # the instances are spread: scale-out

    for iid in other.world.instances:
        who = {"InstanceId": iid, **AGENT}
        signed = {**who, "SignedSkillGroupIdList": '["skill-group@ccc-test"]'}
        assert one.handle("SignInGroup", signed).ok
        made = one.handle("MakeCall", {**who, "Caller": "01012345678", "Callee": "13900000000"})
        context = made.body["Data"]["CallContext"]
        call = {"JobId": context["JobId"], "ChannelId": context["ChannelContexts"][1]["ChannelId"]}
        assert other.signal("FarEndAnswered", {"InstanceId": iid, **call}).ok
        assert one.handle("HoldCall", {**who, **call}).ok
        assert other.handle("RetrieveCall", {**who, **call}).ok
        followed = [event.event_type for _, event in store.follow(iid, block_ms=50)]
        assert followed[-2:] == [EventType.Held, EventType.Retrieved]
        assert one.view(iid) == other.view(iid)

    other.reset()  # every instance, on every node
    assert all(one.view(iid).jobs == {} for iid in one.world.instances)  # type: ignore[union-attr]
    assert one.snapshot()["instances"] == other.snapshot()["instances"]
    store.close()


def test_contention_on_a_cluster_loses_no_update(cluster: list[RedisServer]) -> None:
    spec = url(cluster, "contention", log_size=1_000_000)
    shared = ["agent-0@ccc-test", "agent-1@ccc-test"]
    engine = setup_calls(spec, shared, 2)
    ok = check_replies(contend(spec, shared, 2, 2, 2))
    assert ok["HoldCall"] and ok["RetrieveCall"]
    check_history(engine, ok, 2)
    engine.close()


def test_a_cluster_without_a_reachable_node_is_unavailable() -> None:
    spec = f"redis://127.0.0.1:{free_port()}/0?cluster=yes&socket_connect_timeout=0.2"
    with pytest.raises(ServiceUnavailable):
        open_store(spec)
