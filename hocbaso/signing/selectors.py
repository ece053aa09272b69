"""Reads about signing identities for pages: what a holder is told about their certificate."""

import datetime as dt

from django.utils import timezone

from hocbaso.directory.models import Staff
from hocbaso.signing.models import RekeyApproval, SigningIdentity

NOTICE_DAYS = 14  # a replaced certificate is told at every sign-in for this long


def identities_revoked(*, staff: Staff, days: int = NOTICE_DAYS) -> list[SigningIdentity]:
    """The holder's certificates revoked in the last ``days`` days, newest first (with who revoked them)."""
    since = timezone.now() - dt.timedelta(days=days)
    return list(SigningIdentity.objects.filter(staff=staff, revoked_at__gte=since).select_related("revoked_by")
                .order_by("-revoked_at"))


def rekey_approval_pending(identity: SigningIdentity) -> RekeyApproval | None:
    """The principal's unused, unexpired approval to replace ``identity``, if any."""
    return (RekeyApproval.objects.filter(identity=identity, used_at=None, expires_at__gt=timezone.now())
            .select_related("approved_by__staff").order_by("-approved_at").first())
