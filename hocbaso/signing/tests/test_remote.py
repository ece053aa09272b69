"""The remote signer against the loopback simulators of VNPT SmartCA and Viettel MySign (no database): one
transaction (one confirmation) for as many digests as the service allows, real signatures checked, and the
refusal, expiry, time-out and service error each raised in Vietnamese with nothing returned."""

import hashlib
import os
import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from hocbaso.signing.errors import RemoteSigningError
from hocbaso.signing.pades import SignJob
from hocbaso.signing.remote import (RemoteSigner, RemoteSigningRefused, RemoteSigningTimeout, ServiceConfig,
                                    adapter_for)
from hocbaso.signing.testing.pdfs import TEACHER_BOX
from hocbaso.signing.tests.remote_sim import RemoteSim
from hocbaso.signing.validate import validate_pdf

USER_ID, HOLDER = "079190001234", "Lê Thị Hoa"


@pytest.fixture(scope="module", params=["smartca", "mysign"])
def sim(request):
    with RemoteSim(request.param, confirm_delay=0.1) as server:
        server.add_user(USER_ID, HOLDER)
        yield server


@pytest.fixture
def fresh(sim):
    sim.outcome, sim.confirm_delay, sim.max_hashes = "confirm", 0.1, 50
    return sim


def signer_for(sim, **options) -> RemoteSigner:
    adapter = adapter_for(sim.config())
    credential = adapter.credentials(USER_ID)[0]
    options = {"confirm_timeout": 5, "poll_interval": 0.05, **options}
    return RemoteSigner(adapter, user_id=USER_ID, credential_id=credential.id, certificate=credential.certificate,
                        chain=credential.chain, **options)


def test_credentials_list_the_users_certificate_and_chain(fresh):
    credential = adapter_for(fresh.config()).credentials(USER_ID)[0]
    user = fresh.users[USER_ID]
    assert credential.certificate == user.certificate
    assert credential.chain == (fresh.ca.issuing, fresh.ca.root)


def test_digests_signed_in_one_transaction(fresh):
    digests = [hashlib.sha256(bytes([i])).digest() for i in range(7)]
    before = len(fresh.transactions)
    waits = []
    signer = signer_for(fresh, waiting=lambda count, app: waits.append((count, app)))
    signatures = signer.sign_digests(digests)
    assert len(fresh.transactions) - before == 1 and signer.transactions == 1
    assert waits[0] == (7, "SmartCA" if fresh.protocol == "smartca" else "MySign")
    key = fresh.users[USER_ID].certificate.public_key()
    for digest, signature in zip(digests, signatures):
        key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))  # raises if wrong


def test_batches_of_the_services_maximum(fresh):
    fresh.max_hashes = 2
    adapter = adapter_for(fresh.config(max_hashes=2))
    credential = adapter.credentials(USER_ID)[0]
    signer = RemoteSigner(adapter, user_id=USER_ID, credential_id=credential.id, certificate=credential.certificate,
                          poll_interval=0.05)
    before = len(fresh.transactions)
    assert len(signer.sign_digests([bytes(32)] * 5)) == 5
    assert [len(t.digests) for t in fresh.transactions[before:]] == [2, 2, 1]


def test_pdfs_signed_with_one_confirmation_and_valid(fresh, pdfs, tmp_path):
    signer = signer_for(fresh)
    before = len(fresh.transactions)
    signed = signer.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs[:4]])
    assert len(fresh.transactions) - before == 1
    result = validate_pdf(signed[0], trust_roots=[fresh.ca.root_pem()])
    signature = result["signatures"][0]
    assert signature["signer_name"] == HOLDER and signature["valid"] and signature["trusted"]


@pytest.mark.parametrize("outcome, error, words", [
    ("refuse", RemoteSigningRefused, "bị từ chối"),
    ("expire", RemoteSigningTimeout, "Hết thời gian chờ xác nhận"),
    ("error", RemoteSigningError, "không ký được"),
])
def test_refusal_expiry_and_error_raise_in_vietnamese(fresh, pdfs, outcome, error, words):
    fresh.outcome = outcome
    signer = signer_for(fresh)
    with pytest.raises(error) as raised:
        signer.sign_batch([SignJob(pdf, "GVCN") for pdf in pdfs[:3]])
    assert words in str(raised.value)
    assert fresh.secret not in str(raised.value)


def test_no_answer_within_the_time_limit(fresh):
    fresh.outcome = "never"
    signer = signer_for(fresh, confirm_timeout=0.3)
    with pytest.raises(RemoteSigningTimeout, match="Hết thời gian chờ xác nhận"):
        signer.sign_digests([bytes(32)])


def test_wrong_client_secret_is_refused_without_showing_it(fresh):
    config = fresh.config(secret="wrong-" + fresh.secret[::-1])
    with pytest.raises(RemoteSigningError) as raised:
        adapter_for(config).credentials(USER_ID)
    assert ("SmartCA" in str(raised.value) or "MySign" in str(raised.value))
    assert config.secret not in str(raised.value) and config.secret not in repr(config)


REAL = {key: os.environ.get(f"HOCBASO_TEST_REMOTE_{key.upper()}", "")
        for key in ("service", "url", "client_id", "secret", "profile_id", "user_id", "timeout")}


@pytest.mark.skipif(not (REAL["service"] and REAL["url"] and REAL["user_id"]),
                    reason="no real remote signing service given (HOCBASO_TEST_REMOTE_*: docs/remote-signing.md)")
def test_the_services_own_test_environment(pdfs):
    """The same flow against the service itself (its UAT environment, credentials from the environment): lists
    the user's certificates, sends three documents as one transaction and waits for the confirmation on the
    phone; every signature is checked against the certificate and validated in the PDF."""
    adapter = adapter_for(ServiceConfig(service=REAL["service"], url=REAL["url"], client_id=REAL["client_id"],
                                        secret=REAL["secret"], profile_id=REAL["profile_id"]))
    credential = adapter.credentials(REAL["user_id"])[0]
    signer = RemoteSigner(adapter, user_id=REAL["user_id"], credential_id=credential.id,
                          certificate=credential.certificate, chain=credential.chain,
                          confirm_timeout=float(REAL["timeout"] or 300), poll_interval=3,
                          waiting=lambda count, app: print(f"confirm {count} documents in the {app} app"))
    signed = signer.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs[:3]])
    assert signer.transactions == 1
    signature = validate_pdf(signed[0], trust_roots=[c.public_bytes(Encoding.PEM) for c in credential.chain[-1:]])[
        "signatures"][0]
    assert signature["intact"] and signature["valid"]


def test_a_large_batch_prepared_in_worker_processes_is_one_transaction(fresh, pdfs, settings):
    """20 documents: their updates are prepared in worker processes (``pades.prepare_many``) while the wait for
    the phone runs on the caller's thread; still one transaction, every signature valid."""
    settings.SIGN_WORKERS = 2
    signer = signer_for(fresh)
    before = len(fresh.transactions)
    signed = signer.sign_batch([SignJob(pdf, "GVCN", box=TEACHER_BOX) for pdf in pdfs * 2])
    assert len(signed) == 20 and len(fresh.transactions) - before == 1
    result = validate_pdf(signed[-1], trust_roots=[fresh.ca.root_pem()], skip_diff=True)
    assert result["signatures"][0]["valid"] and result["signatures"][0]["trusted"]


def test_the_waiting_callback_may_stop_the_wait(fresh, pdfs):
    """A cancelled job's progress line raises while the phone has not answered: the batch stops with that
    error, nothing is returned, and the helper thread ends."""
    fresh.outcome = "never"

    class Stop(Exception):
        pass

    calls = []

    def waiting(count, app):
        calls.append(count)
        if len(calls) == 3:
            raise Stop()

    signer = signer_for(fresh, waiting=waiting)
    with pytest.raises(Stop):
        signer.sign_batch([SignJob(pdf, "GVCN") for pdf in pdfs[:3]])
    assert calls == [3, 3, 3]
    assert not [t for t in threading.enumerate() if t.name == "hocbaso-remote-sign"]
