"""Sign-in throttling: passwords and two-factor codes, per account and per address group, with backoff.

Each attempt first takes a turn on every key it counts against (the account typed, and the address's group:
an IPv4 address, an IPv6 /64, ``web.addresses``) in one conditional UPDATE per key, before the password or code
is checked, so that concurrent attempts are counted too. The first ``free`` failures of a key cost nothing;
from then on each failure makes the key wait ``2^(n - free)`` seconds (n: the failures so far), up to
``SIGN_IN_LIMITS["backoff_max"]`` (15 minutes). A right password clears its account's count (a right code its
code count); an address's count only forgets: an account key with no attempt for 24 hours, an address key with
none for an hour, starts again from zero (a school's teachers share one address and mistype too).

Figures (defaults): an account takes 5 free tries, then waits 1, 2, 4 … 512 s and 15 minutes from the 15th
failure: at most about 110 passwords a day per account (ASVS 2.2.1 asks fewer than 100 an hour), against 197
in 25 s before. A two-factor code (10^6 values, 3 accepted in the ±1-step window) gets the same budget across
logins: about 110 guesses a day, an expected 10^6 / 3 / 110 ≈ 3,000 days to hit, against about 3 hours when each
new login brought 5 fresh tries.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from hocbaso.portal.models import SignInFailure
from hocbaso.web.addresses import address_key, client_ip

ACCOUNT_FORGET = dt.timedelta(hours=24)
clock = timezone.now  # the time the waits are counted by (a test holds it still)
ADDRESS_FORGET = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    free: int  # failures that cost nothing
    forget: dt.timedelta  # a key without attempts for this long starts again


def backoff_seconds(failures: int, free: int) -> int:
    """How long a key with ``failures`` failures waits before its next attempt."""
    if failures < free:
        return 0
    return min(settings.SIGN_IN_LIMITS["backoff_max"], 2 ** min(failures - free, 30))


def sign_in_keys(request, *, account: str) -> dict[str, Rule]:
    """The keys an attempt counts against, each with its rule: the account's and the address's."""
    limits = settings.SIGN_IN_LIMITS
    return {account[:70]: Rule(limits["account_free"], ACCOUNT_FORGET),
            f"ip:{address_key(client_ip(request))}": Rule(limits["address_free"], ADDRESS_FORGET)}


def attempt_take(keys: dict[str, Rule]) -> int:
    """Count one attempt against every key whose wait is over; 0 when the attempt may go on, else the seconds
    to wait (nothing is checked then)."""
    now = clock()
    SignInFailure.objects.bulk_create([SignInFailure(key=k, last_failure_at=now) for k in keys],
                                      ignore_conflicts=True)
    waits = []
    for key, rule in keys.items():
        free = rule.free
        SignInFailure.objects.filter(key=key, last_failure_at__lt=now - rule.forget).update(failures=0)
        # The wait after this attempt, by the count before it (SET reads the row as it was): one statement.
        steps = [When(failures__lt=free - 1, then=Value(None, output_field=DateTimeField()))]
        steps += [When(failures=n, then=Value(now + dt.timedelta(seconds=backoff_seconds(n + 1, free))))
                  for n in range(max(0, free - 1), free + 12)]
        taken = SignInFailure.objects.filter(key=key).exclude(blocked_until__gt=now).update(
            failures=F("failures") + 1, last_failure_at=now,
            blocked_until=Case(*steps, default=Value(now + dt.timedelta(seconds=backoff_seconds(free + 13, free)))))
        if not taken:
            until = SignInFailure.objects.filter(key=key).values_list("blocked_until", flat=True).first()
            waits.append(max(1, int(((until or now) - now).total_seconds() + 0.999)))
    return max(waits, default=0)


def attempt_succeeded(keys: dict[str, Rule], *, account: str) -> None:
    """A right password (or code): the account's count is cleared; the address's keeps the others' failures."""
    SignInFailure.objects.filter(key=account[:70]).delete()
    SignInFailure.objects.filter(key__in=[k for k in keys if k != account[:70]], failures__gt=0).update(
        failures=F("failures") - 1)
