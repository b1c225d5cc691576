"""Change notices: delivered here at once; over Redis to others; a gap in the subscription drops everything."""
from __future__ import annotations

from app.cache.invalidation import EVERYTHING, Invalidations, RedisInvalidations


class FakeRedis:
    def __init__(self):
        self.published: list[tuple[str, str]] = []

    def publish(self, channel: str, message: str) -> int:
        self.published.append((channel, message))
        return 1


def test_local_notices_reach_this_process_only():
    notices = Invalidations()
    got: list[str] = []
    notices.listen(got.append)
    notices.publish("t1")
    assert got == ["t1"] and not notices.connected


def test_redis_notices_are_published_and_own_messages_not_delivered_twice():
    client = FakeRedis()
    notices = RedisInvalidations(client, "ns:")
    got: list[str] = []
    notices.listen(got.append)
    notices.publish("t1")
    assert got == ["t1"] and client.published[0][0] == "ns:invalidate"
    notices._handle({"type": "message", "data": client.published[0][1].encode()})      # our own, echoed
    notices._handle({"type": "message", "data": b"otherprocess:t2"})
    assert got == ["t1", "t2"]


def test_every_new_subscription_drops_everything_first():
    notices = RedisInvalidations(FakeRedis(), "ns:")
    got: list[str] = []
    notices.listen(got.append)
    notices._handle({"type": "subscribe", "data": 1})          # (re)subscribed: notices may have been missed
    assert got == [EVERYTHING] and notices._connected.is_set() and notices.subscriptions == 1


def test_a_failing_listener_does_not_stop_the_others():
    notices = Invalidations()
    got: list[str] = []
    notices.listen(lambda _t: 1 / 0)
    notices.listen(got.append)
    notices.publish("t1")
    assert got == ["t1"]
