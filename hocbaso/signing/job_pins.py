"""Handing a signing PIN to a background job without writing it to the database in clear text.

Signing runs as a job (``hocbaso.jobs``): the web request checks the PIN, queues the job and returns; a worker
— possibly another process on another machine (``hocbaso worker``) — signs later. The database row is the only
channel they share, so the PIN has to travel in ``Job.args``. The choice made here:

- **Encrypted**: AES-256-GCM (``cryptography``'s AESGCM, a fresh 96-bit nonce per token) under a key derived
  from ``SECRET_KEY`` with HMAC-SHA256 over a fixed purpose label (``hocbaso-job-pin``), the way
  ``signing.services`` derives its other keys. A database dump or backup alone does not reveal a PIN.
- **Bound**: the GCM associated data is the job kind, its target (``class:12``, ``year:3``) and the user's id, so
  a token copied into another job row, for another class or another user, does not decrypt.
- **Short-lived**: the plaintext carries an expiry (``TTL``, 6 hours); a job that waited longer fails, asking
  for the PIN again.
- **Removed at start**: the handler's first act (``pin_take``) deletes the token from the row's ``args``, before
  opening the key. The PIN is in the database only while the job waits in the queue.

The cost of removing it: a job whose worker died mid-way cannot be resumed by another worker (it has no PIN); it
fails saying "sign again". The lifecycle services are resumable (each chunk commits; signed records are skipped),
so signing again continues where the batch stopped and nothing is signed twice.

With a Celery broker (``jobs.broker``) the token is never on the row: it travels in the broker's message only
(``jobs.services.MESSAGE_ONLY_ARGS``), which the broker keeps until the job ends (acks late). A job whose worker
died is delivered again with its token, so another worker finishes it without asking for the PIN again.
Someone holding both the database and ``SECRET_KEY`` could decrypt a queued token; that person could run the
application anyway. Fernet would do as well; AES-GCM was chosen for the associated data.
"""

import base64
import hashlib
import hmac
import json
import os
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from hocbaso.jobs.models import Job
from hocbaso.signing.errors import SigningError

TTL = 6 * 3600
ARG = "pin"


class PinUnavailable(SigningError):
    """The job has no usable PIN (already used, expired, or not for this job)."""


def _key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"hocbaso-job-pin", hashlib.sha256).digest()


def _aad(kind: str, target: str, user_id: int) -> bytes:
    return f"{kind}|{target}|{user_id}".encode()


def pin_seal(pin: str, *, kind: str, target: str, user_id: int, now: float | None = None) -> str:
    """An opaque token holding ``pin`` for one job kind, target and user (see the module's text)."""
    nonce = os.urandom(12)
    plain = json.dumps({"pin": pin, "exp": int((now or time.time()) + TTL)}).encode()
    sealed = AESGCM(_key()).encrypt(nonce, plain, _aad(kind, target, user_id))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def pin_open(token: str, *, kind: str, target: str, user_id: int, now: float | None = None) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
        plain = json.loads(AESGCM(_key()).decrypt(raw[:12], raw[12:], _aad(kind, target, user_id)))
    except (InvalidTag, ValueError, TypeError, AttributeError):
        raise PinUnavailable("Không mở được mã PIN gửi kèm tác vụ. Hãy nhập lại mã PIN và ký lại.") from None
    if plain["exp"] < (now or time.time()):
        raise PinUnavailable("Tác vụ đã chờ quá lâu nên mã PIN gửi kèm đã hết hạn. Hãy nhập lại mã PIN và ký lại.")
    return plain["pin"]


def pin_take(job: Job, *, target: str, required: bool = True) -> str | None:
    """Remove the PIN token from the job's row at once, then decrypt it. A job started a second time (its worker
    died) finds no token and says so: the services are resumable, so signing again continues the batch."""
    token = (job.args or {}).get(ARG)
    rest = {k: v for k, v in (job.args or {}).items() if k != ARG}
    Job.objects.filter(pk=job.pk).update(args=rest)
    job.args = rest
    if not token and not required:
        return None  # the signer may need none (a remote account); whoever needs one asks again
    if not token:
        raise PinUnavailable("Tác vụ bị gián đoạn và mã PIN không được lưu lại. Hãy nhập lại mã PIN và ký tiếp: "
                             "các học bạ đã ký vẫn được giữ, không ký lại lần hai.")
    return pin_open(token, kind=job.kind, target=target, user_id=job.created_by_id)
