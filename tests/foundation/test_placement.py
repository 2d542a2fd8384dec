"""The media node registry and room placement (server/core/placement.py) on the real Redis.

Each test has its own key prefix, so parallel runs never see each other's nodes."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator

import pytest

from server.core.errors import NoMediaNode
from server.core.placement import MediaNode, MediaNodeHeartbeat, NodeRegistry, placed_socket_url
from tests.reliability.jobs_harness import wait_until

pytestmark = pytest.mark.unit

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def prefix() -> Iterator[str]:
    import redis

    value = f"test-placement:{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    yield value
    keys = list(client.scan_iter(f"{value}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def registry(prefix: str) -> Iterator[NodeRegistry]:
    nodes = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=30)
    yield nodes
    nodes.close()


def _node(node_id: str, *, load: int = 0, capacity: int = 10, draining: bool = False) -> MediaNode:
    return MediaNode(node_id, f"ws://{node_id}.media.test:8000", load, capacity, draining)


def test_two_rooms_land_on_two_nodes_and_a_rooms_second_member_on_the_same_one(registry) -> None:
    registry.beat(_node("a"))
    registry.beat(_node("b"))
    first = registry.place("interview-1")
    second = registry.place("interview-2")
    assert first is not None and second is not None and first.claimed_now and second.claimed_now
    # The first claim counted on node a's load at once, so the next room went to b.
    assert {first.node.node_id, second.node.node_id} == {"a", "b"}
    again = registry.place("interview-1")
    assert again is not None and again.node.node_id == first.node.node_id and not again.claimed_now
    assert registry.claimed_node("interview-1") == first.node.node_id


def test_a_room_placed_but_not_yet_joined_still_counts_after_its_nodes_next_heartbeat(registry) -> None:
    """The heartbeat writes what the node holds (nobody has connected yet: 0); the room placed
    on it a moment ago must still count, or the next room lands on the same node."""
    registry.beat(_node("a"))
    registry.beat(_node("b"))
    first = registry.place("practice-1")
    assert first is not None
    registry.beat(_node(first.node.node_id, load=0))  # the node's own count, before anyone joined
    registry.beat(_node("b" if first.node.node_id == "a" else "a", load=0))
    second = registry.place("practice-2")
    assert second is not None and second.node.node_id != first.node.node_id
    assert registry.node(first.node.node_id).load == 1  # type: ignore[union-attr]


def test_the_least_loaded_node_by_share_of_capacity_is_chosen(registry) -> None:
    registry.beat(_node("big", load=3, capacity=10))  # 30 %
    registry.beat(_node("small", load=1, capacity=2))  # 50 %
    registry.beat(_node("full", load=4, capacity=4))  # full: never chosen
    placed = registry.place("counselling-7")
    assert placed is not None and placed.node.node_id == "big" and placed.node.ws_url == "ws://big.media.test:8000"
    assert registry.node("big").load == 4  # type: ignore[union-attr]


def test_concurrent_placements_of_one_room_all_get_the_same_node(prefix: str) -> None:
    setup = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=30)
    for name in ("a", "b", "c", "d"):
        setup.beat(_node(name))
    results: list[str] = []
    start = threading.Barrier(16)

    def place() -> None:
        nodes = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=30)  # as many API nodes
        start.wait()
        placed = nodes.place("interview-42")
        assert placed is not None
        results.append(placed.node.node_id)
        nodes.close()

    threads = [threading.Thread(target=place) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 16 and len(set(results)) == 1
    assert sum(node.load for node in setup.live_nodes()) == 1  # claimed once, counted once
    setup.close()


def test_a_draining_node_takes_no_new_rooms_but_keeps_the_one_it_holds(registry) -> None:
    registry.beat(_node("a"))
    held = registry.place("interview-1")
    assert held is not None and held.node.node_id == "a"
    registry.beat(_node("a", load=1, draining=True))
    assert registry.place("interview-2") is None  # the only node drains
    kept = registry.place("interview-1")
    assert kept is not None and kept.node.node_id == "a"
    registry.beat(_node("b"))
    moved = registry.place("interview-3")
    assert moved is not None and moved.node.node_id == "b"


def test_a_node_that_stops_beating_is_dropped_and_its_room_placed_again(prefix: str) -> None:
    short = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=0.5)
    short.beat(_node("gone"))
    placed = short.place("mentoring-3")
    assert placed is not None and placed.node.node_id == "gone"
    long_lived = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=30)
    long_lived.beat(_node("alive", load=5))  # busier, but alive
    wait_until(lambda: short.node("gone") is None, 10, "the silent node's registration to expire")
    replaced = long_lived.place("mentoring-3")
    assert replaced is not None and replaced.node.node_id == "alive" and replaced.claimed_now
    assert [node.node_id for node in long_lived.live_nodes()] == ["alive"]
    short.close()
    long_lived.close()


def test_a_room_released_by_its_node_is_placed_afresh_and_only_its_node_may_release_it(registry) -> None:
    registry.beat(_node("a"))
    registry.place("interview-9")
    assert registry.release("interview-9", "b") is False  # another node cannot drop a's claim
    assert registry.claimed_node("interview-9") == "a"
    assert registry.release("interview-9", "a") is True
    assert registry.claimed_node("interview-9") is None


def test_the_socket_url_is_a_local_path_without_placement_and_the_nodes_url_with_it(registry) -> None:
    assert placed_socket_url(None, "interview-1", "/ws/interviews/1/room") == "/ws/interviews/1/room"
    with pytest.raises(NoMediaNode) as refused:
        placed_socket_url(registry, "interview-1", "/ws/interviews/1/room")
    assert refused.value.status_code == 503 and refused.value.retryable
    registry.beat(_node("a"))
    url = placed_socket_url(registry, "interview-1", "/ws/interviews/1/room")
    assert url == "ws://a.media.test:8000/ws/interviews/1/room"
    # Behind one TLS edge each node has a path of its own: the socket path goes below it.
    registry.beat(MediaNode("edge", "wss://untact.example.kr/media/2", 0, 10, False))
    registry.beat(MediaNode("a", "ws://a.media.test:8000", 9, 10, True))
    assert placed_socket_url(registry, "mentoring-4", "/ws/mentoring/4/room") == (
        "wss://untact.example.kr/media/2/ws/mentoring/4/room"
    )


def test_a_media_node_that_was_dropped_ends_its_rooms_on_its_next_beat(prefix: str) -> None:
    lost: list[str] = []

    async def run() -> None:
        nodes = NodeRegistry(REDIS_URL, prefix=prefix, ttl_s=30)

        async def on_lost() -> None:
            lost.append("node_lost")

        beat = MediaNodeHeartbeat(
            nodes, node_id="m1", ws_url="ws://m1.test:9000/", capacity=5, interval_s=3600,
            load=lambda: 2, on_lost=on_lost,
        )
        await beat.start()
        assert nodes.node("m1") == MediaNode("m1", "ws://m1.test:9000", 2, 5, False)
        await beat.beat()
        assert lost == []  # still registered: nothing ends
        nodes.deregister("m1")  # as if its TTL had run out while Redis was out of reach
        await beat.beat()
        assert lost == ["node_lost"] and nodes.node("m1") is not None  # registered again, rooms ended
        await beat.drain()
        assert nodes.node("m1").draining  # type: ignore[union-attr]
        await beat.close()
        await beat.close()  # idempotent
        assert nodes.node("m1") is None and nodes.live_nodes() == []
        nodes.close()

    asyncio.run(run())
