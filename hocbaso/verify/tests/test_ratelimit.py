"""The token bucket: one atomic statement per take, refilled by the time elapsed, capped at its capacity."""

import datetime as dt

import pytest
from django.utils import timezone

from hocbaso.verify import ratelimit
from hocbaso.verify.models import TokenBucket


@pytest.fixture
def clock(monkeypatch):
    now = [timezone.now()]
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: now[0])

    def advance(seconds: float):
        now[0] += dt.timedelta(seconds=seconds)

    return advance


@pytest.mark.parametrize("take", [ratelimit.bucket_take, "orm"])
def test_burst_then_refill_at_the_hourly_rate(db, clock, take):
    if take == "orm":
        def take(key, *, capacity, per_hour):
            return ratelimit._bucket_take_orm(key, capacity=float(capacity), rate=per_hour / 3600)
    per_hour = 3600  # one token a second
    assert [take("k", capacity=3, per_hour=per_hour) for _ in range(4)] == [True, True, True, False]
    clock(0.5)
    assert take("k", capacity=3, per_hour=per_hour) is False
    clock(0.6)  # 1.1 s since the bucket emptied
    assert take("k", capacity=3, per_hour=per_hour) is True
    assert take("k", capacity=3, per_hour=per_hour) is False
    clock(3600)  # a long pause refills to the capacity, not beyond
    assert [take("k", capacity=3, per_hour=per_hour) for _ in range(4)] == [True, True, True, False]
    assert take("other", capacity=3, per_hour=per_hour) is True  # buckets are per key
    bucket = TokenBucket.objects.get(key="k")
    assert 0 <= bucket.tokens < 1 and bucket.allowed is False


def test_a_clock_going_backwards_does_not_add_tokens(db, clock):
    assert ratelimit.bucket_take("k", capacity=1, per_hour=3600) is True
    clock(-60)
    assert ratelimit.bucket_take("k", capacity=1, per_hour=3600) is False


def test_a_bucket_smaller_than_one_token_refuses(db, clock):
    assert ratelimit.bucket_take("k", capacity=0, per_hour=3600) is False
