"""Which media node holds a room: live media nodes in Redis and an atomic claim per room.

Modelled on LiveKit's distributed mode (docs/scaling.md). A media node registers itself with a
heartbeat: a hash ``{prefix}node:{id}`` (its public WebSocket base URL, load, capacity, draining)
that expires after ``ttl_s``, and its id in the set ``{prefix}nodes``. Placing a room runs one
Lua script, so two API nodes placing the same room at once get the same answer:

- a claim ``{prefix}claim:{room}`` on a node that is still registered is kept (the second member
  of a room lands where the first is, draining or not, until the room is released);
- otherwise the least-loaded live node that is not draining and not full (load / capacity,
  ties by id) is claimed, and its load counted up at once, so placements between two heartbeats
  spread out; a node whose hash expired is dropped from the set on the way.

Without Redis (``UNTACT_PLACEMENT=local``, the embedded default) none of this runs: the local
process is the only media node and sockets are paths on the same host.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from server.core.errors import NoMediaNode

log = logging.getLogger("untact.placement")

CLAIM_TTL_S = 12 * 3600  # a claim outlives any room; refreshed on every placement
# A room placed on a node counts on its load at once, for this long: until its members have
# connected and the node's own heartbeat counts it (the heartbeat writes what the node holds, so
# a count added to `load` itself would be gone at the next beat, before anyone connected).
PENDING_S = 15.0

_PLACE = """
local claimed = redis.call('GET', KEYS[1])
if claimed then
  local url = redis.call('HGET', ARGV[1] .. claimed, 'ws_url')
  if url then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {claimed, url, 0}
  end
end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local best, best_url, best_score = false, false, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'ws_url', 'load', 'capacity', 'draining')
  if not f[1] then
    redis.call('SREM', KEYS[2], id)
  elseif f[4] ~= '1' then
    local pending_key = ARGV[1] .. id .. ':pending'
    redis.call('ZREMRANGEBYSCORE', pending_key, '-inf', now_ms - tonumber(ARGV[3]))
    local pending = redis.call('ZCARD', pending_key)
    local load, capacity = (tonumber(f[2]) or 0) + pending, tonumber(f[3]) or 1
    if load < capacity then
      local score = load / capacity
      if (not best) or score < best_score or (score == best_score and id < best) then
        best, best_url, best_score = id, f[1], score
      end
    end
  end
end
if not best then
  return false
end
redis.call('SET', KEYS[1], best, 'PX', ARGV[2])
redis.call('ZADD', ARGV[1] .. best .. ':pending', now_ms, KEYS[1])
redis.call('PEXPIRE', ARGV[1] .. best .. ':pending', ARGV[3])
return {best, best_url, 1}
"""

_REGISTER = """
local existed = redis.call('EXISTS', KEYS[1])
redis.call('HSET', KEYS[1], 'ws_url', ARGV[1], 'load', ARGV[2], 'capacity', ARGV[3], 'draining', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
return existed
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class MediaNode:
    node_id: str
    ws_url: str  # ws(s)://host[:port], without a trailing slash
    load: int = 0
    capacity: int = 1
    draining: bool = False


@dataclass(frozen=True)
class Placement:
    node: MediaNode
    claimed_now: bool  # False: the room was on this node already


class NodeRegistry:
    """The media nodes and room claims of one deployment (one Redis, one key prefix)."""

    def __init__(self, redis_url: str, *, prefix: str = "untact:", ttl_s: float = 6.0) -> None:
        import redis

        self._client: Any = redis.Redis.from_url(
            redis_url, socket_timeout=5, socket_connect_timeout=3, decode_responses=True
        )
        self.prefix = prefix
        self.ttl_ms = int(ttl_s * 1000)
        self._place = self._client.register_script(_PLACE)
        self._register = self._client.register_script(_REGISTER)
        self._release = self._client.register_script(_RELEASE)

    @property
    def _nodes_key(self) -> str:
        return f"{self.prefix}nodes"

    def _node_key(self, node_id: str) -> str:
        return f"{self.prefix}node:{node_id}"

    def _claim_key(self, room: str) -> str:
        return f"{self.prefix}claim:{room}"

    # ------------------------------------------------------------- media node side

    def beat(self, node: MediaNode) -> bool:
        """Register or refresh `node` for another TTL. False when it was not registered, i.e.
        at the first beat, or when it had been dropped for missing its heartbeats."""
        existed = self._register(
            keys=[self._node_key(node.node_id), self._nodes_key],
            args=[node.ws_url, node.load, node.capacity, "1" if node.draining else "0", self.ttl_ms, node.node_id],
        )
        return bool(existed)

    def deregister(self, node_id: str) -> None:
        pipe = self._client.pipeline()
        pipe.delete(self._node_key(node_id), f"{self._node_key(node_id)}:pending")
        pipe.srem(self._nodes_key, node_id)
        pipe.execute()

    def release(self, room: str, node_id: str) -> bool:
        """Drop the room's claim if it still names `node_id` (the room closed there)."""
        return bool(self._release(keys=[self._claim_key(room)], args=[node_id]))

    # ------------------------------------------------------------- API node side

    def place(self, room: str) -> Placement | None:
        """The node holding `room`, claiming the least-loaded live one if none does; None when
        no live node can take it."""
        result = self._place(
            keys=[self._claim_key(room), self._nodes_key],
            args=[self._node_key(""), CLAIM_TTL_S * 1000, int(PENDING_S * 1000)],
        )
        if not result:
            return None
        node_id, ws_url, claimed_now = result
        return Placement(self.node(node_id) or MediaNode(node_id, ws_url), claimed_now=bool(int(claimed_now)))

    def node(self, node_id: str) -> MediaNode | None:
        fields = self._client.hgetall(self._node_key(node_id))
        if not fields:
            return None
        seconds, micros = self._client.time()  # Redis's clock, as the placement script reads it
        recent = seconds * 1000 + micros // 1000 - int(PENDING_S * 1000)
        pending = int(self._client.zcount(f"{self._node_key(node_id)}:pending", f"({recent}", "+inf"))
        return MediaNode(
            node_id=node_id,
            ws_url=fields["ws_url"],
            load=int(fields.get("load", 0)) + pending,  # what it holds + rooms placed, not yet joined
            capacity=int(fields.get("capacity", 1)),
            draining=fields.get("draining") == "1",
        )

    def live_nodes(self) -> list[MediaNode]:
        nodes = (self.node(node_id) for node_id in sorted(self._client.smembers(self._nodes_key)))
        return [node for node in nodes if node is not None]

    def claimed_node(self, room: str) -> str | None:
        value = self._client.get(self._claim_key(room))
        return str(value) if value is not None else None

    def close(self) -> None:
        self._client.close()


class MediaNodeHeartbeat:
    """A media node's registration, refreshed every `interval_s` on the event loop.

    `load()` counts what the node holds now (rooms + live answers). When a beat finds the
    registration gone although the node had registered (it missed its heartbeats, e.g. Redis was
    unreachable for longer than the TTL), the other nodes may have taken its rooms over already:
    `on_lost()` ends them here (``room_closed`` with reason ``node_lost``) so their clients rejoin.
    Lifecycle: ``start()``, ``drain()`` (no new rooms), ``close()`` (deregistered; idempotent;
    the registry itself stays open for the claims released by the rooms closing afterwards).
    """

    def __init__(
        self,
        registry: NodeRegistry,
        *,
        node_id: str,
        ws_url: str,
        capacity: int,
        interval_s: float,
        load: Callable[[], int],
        on_lost: Callable[[], Awaitable[None]],
    ) -> None:
        self.registry = registry
        self.node_id = node_id
        self.ws_url = ws_url.rstrip("/")
        self.capacity = capacity
        self.interval_s = interval_s
        self._load = load
        self._on_lost = on_lost
        self.draining = False
        self._registered = False
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def _node(self) -> MediaNode:
        return MediaNode(self.node_id, self.ws_url, self._load(), self.capacity, self.draining)

    async def beat(self) -> None:
        try:
            existed = await asyncio.to_thread(self.registry.beat, self._node())
        except Exception:  # Redis away: keep serving the rooms we hold, try again next beat
            log.warning("media node heartbeat failed", exc_info=True)
            return
        if self._registered and not existed:
            log.warning("media node %s was dropped from the registry; ending its rooms", self.node_id)
            await self._on_lost()
        self._registered = True

    async def start(self) -> None:
        await self.beat()
        self._task = asyncio.create_task(self._run(), name="media-node-heartbeat")

    async def _run(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.interval_s)
            await self.beat()

    async def drain(self) -> None:
        """Take no new rooms from now on (the rooms held stay until they close)."""
        self.draining = True
        await self.beat()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await asyncio.to_thread(self.registry.deregister, self.node_id)
        except Exception:
            log.warning("could not deregister media node %s", self.node_id, exc_info=True)


def placed_socket_url(nodes: NodeRegistry | None, room: str, path: str) -> str:
    """Where a browser opens `room`'s socket: `path` on this host without placement, else the
    absolute URL of the media node holding (or now claimed for) the room; `NoMediaNode` when
    no live node can take it."""
    if nodes is None:
        return path
    placement = nodes.place(room)
    if placement is None:
        raise NoMediaNode()
    return placement.node.ws_url + path
