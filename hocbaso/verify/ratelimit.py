"""Token buckets in the database, so a limit holds across several server processes.

Numbers (README "Public verification"): a lookup code has 2^50 ≈ 1.1 × 10^15 possible values
(10 random base-32 symbols; the check symbol adds none). Each IP may make at most
``LOOKUPS_PER_IP_PER_HOUR`` code lookups an hour (burst ``LOOKUP_BURST``), and each code
accepts ``FACTOR_TRIES_PER_CODE_PER_HOUR`` second-factor attempts an hour.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hocbaso.verify.models import TokenBucket


def client_ip(request) -> str:
    """The client address; behind a trusted proxy, the last hop it appended to X-Forwarded-For."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def ip_key(ip: str) -> str:
    """A keyed hash of the address: buckets and logs never hold the address itself."""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()[:32]


def bucket_take(key: str, *, capacity: float, per_hour: float) -> bool:
    """Take one token from the bucket ``key`` (refilled at ``per_hour``); False when it is empty."""
    now = timezone.now()
    with transaction.atomic():
        TokenBucket.objects.bulk_create([TokenBucket(key=key, tokens=capacity, updated_at=now)],
                                        ignore_conflicts=True)
        bucket = TokenBucket.objects.select_for_update().get(key=key)
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(capacity, bucket.tokens + elapsed * per_hour / 3600.0)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        TokenBucket.objects.filter(pk=bucket.pk).update(tokens=tokens, updated_at=now)
    return allowed
