"""Long-term validation through the app: the built-in CA's CRL and OCSP served by the app (a verifier fetching
them from a live server on 127.0.0.1), ``certificate_revoke``, issuance with a local TSA giving B-LTA records, and
``hocbaso verify FILE --at``: a record issued before its signer's certificate was revoked still verifies 10 years
after the certificate expired; a record signed after the revocation does not."""

import datetime as dt
import json
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from hocbaso.audit.models import AuditEntry
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.ca import CertificateAuthority
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.pades import PadesSettings, SignJob
from hocbaso.signing.publication import certificate_revoke
from hocbaso.signing.services import deployment_ca, identity_certificate, identity_for, pin_pepper
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.testing.pdfs import simple_pdf
from hocbaso.signing.testing.tsa import LocalTSA
from hocbaso.testing.lifecycle import lifecycle_school, sign_and_issue
from hocbaso.testing.people import PRINCIPAL_PIN

YEAR = dt.timedelta(days=365)


def _ocsp_request(cert, issuer) -> bytes:
    return ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build().public_bytes(
        serialization.Encoding.DER)


def test_the_app_serves_the_crl_and_answers_ocsp_and_revocation_is_principal_only(school, client):
    w = school
    identity = identity_for(staff=w.member)
    cert, ca = identity_certificate(identity), deployment_ca()
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert aia[0].access_location.value == "https://hocba.example.vn/pki/ocsp"  # SITE_URL
    ask = lambda: ocsp.load_der_ocsp_response(client.post(  # noqa: E731
        "/pki/ocsp", _ocsp_request(cert, ca.issuing), content_type="application/ocsp-request").content)
    assert ask().certificate_status == ocsp.OCSPCertStatus.GOOD
    with pytest.raises(SigningSetupError, match="Chỉ hiệu trưởng"):
        certificate_revoke(identity=identity, by=w.member.user, reason="Mất thiết bị")
    certificate_revoke(identity=identity, by=w.owner.user, reason="Mất thiết bị")
    answer = ask()
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(client.get("/pki/issuing.crl").content)
    assert crl.is_signature_valid(ca.issuing.public_key())
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    assert x509.load_der_x509_crl(client.get("/pki/root.crl").content).is_signature_valid(ca.root.public_key())
    published = x509.load_der_x509_crl((ca.directory / "crl" / "issuing.crl").read_bytes())
    assert published.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    entry = AuditEntry.objects.filter(action="signing.identity.revoke").latest("pk")
    assert entry.actor_id == w.owner.user.pk and entry.after["reason"] == "Mất thiết bị"
    with pytest.raises(SigningSetupError, match="đã bị thu hồi"):
        certificate_revoke(identity=identity, by=w.owner.user, reason="lại")


@pytest.mark.django_db(transaction=True)
def test_a_verifier_fetches_the_apps_ocsp_answer_from_a_live_server(live_server, world, settings):
    """pyHanko's certificate validator, fetching over HTTP as any verifier would, from the app on loopback."""
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import RevokedError
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    from hocbaso.signing.aio import run_sync
    from hocbaso.signing.validate import load_roots

    settings.SITE_URL = live_server.url
    w = lifecycle_school(world)
    identity = identity_for(staff=w.member)
    der = identity_certificate(identity).public_bytes(serialization.Encoding.DER)
    roots = load_roots([deployment_ca().root_pem_path])

    def validate():
        context = ValidationContext(trust_roots=roots, other_certs=load_roots([deployment_ca().issuing]),
                                    allow_fetching=True, revocation_mode="hard-fail",
                                    fetcher_backend=RequestsFetcherBackend())
        validator = CertificateValidator(load_roots([der])[0], validation_context=context)
        return run_sync(validator.async_validate_usage(set()))

    assert validate() is not None
    certificate_revoke(identity=identity, by=w.owner.user, reason="Nghỉ việc")
    with pytest.raises(RevokedError):
        validate()


@pytest.fixture
def long_lived(world, settings):
    """The school with a CA and a TSA that outlive the holders' 3-year certificates by decades (the archive time
    stamp of the future, kept fresh by ``archive_renew``)."""
    settings.CA_PASSPHRASE = "ca-passphrase-for-ltv"
    CertificateAuthority.create(settings.PKI_DIR, settings.CA_PASSPHRASE.encode(), pepper=pin_pepper(),
                                root_years=60, issuing_years=50, public_url="https://hocba.example.vn")
    settings.SITE_URL = "https://hocba.example.vn"
    w = lifecycle_school(world)
    with LocalTSA(deployment_ca(), name="TSA thử nghiệm", years=40) as tsa:
        settings.TSA_URL = tsa.url
        yield w


def _verify(path, *args) -> tuple[dict, int]:
    out = StringIO()
    try:
        call_command("verify", str(path), *args, stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    return json.loads(out.getvalue()), code


def test_revoked_after_issuance_still_verifies_ten_years_after_expiry_signed_after_does_not(long_lived, tmp_path):
    w = long_lived
    sign_and_issue(w)
    issued = IssuedRecord.objects.order_by("pk").first()
    path = tmp_path / "issued.pdf"
    with default_storage.open(issued.pdf, "rb") as handle:
        path.write_bytes(handle.read())
    principal = identity_for(staff=w.owner)
    expiry = identity_certificate(principal).not_valid_after_utc
    certificate_revoke(identity=principal, by=w.owner.user, reason="Thôi giữ chức vụ")

    at = (expiry + 10 * YEAR).date().isoformat()
    report, code = _verify(path, "--at", at)
    assert code == 0 and report["valid_at"] and report["registry_match"] and report["status"] == "current"
    assert report["ltv"]["level"] == "B-LTA" and [s["ltv"] for s in report["signatures"]] == ["B-LTA"] * 3
    assert [s["valid_at"] for s in report["signatures"]] == [True] * 3

    # After the revocation, the principal's key (still on the server's disk) signs another record: not valid.
    holder = deployment_ca().identity(principal.identity_id)
    with BuiltinSigner(holder, PRINCIPAL_PIN, pepper=pin_pepper(), seal=True,
                       settings=PadesSettings(tsa_url=w_tsa_url())) as signer:
        [late] = signer.sign_batch([SignJob(simple_pdf(seed=7), "HieuTruong")])
    late_path = tmp_path / "late.pdf"
    late_path.write_bytes(late)
    report, code = _verify(late_path, "--at", at)
    assert code == 1 and not report["valid_at"] and report["signatures"][0]["valid_at"] is False


def w_tsa_url():
    from django.conf import settings

    return settings.TSA_URL


def test_archive_renewal_appends_a_time_stamp_and_both_files_stay_recognised(long_lived, tmp_path, settings):
    from hocbaso.jobs.registry import PERIODIC
    from hocbaso.records.models import IssuedRenewal
    from hocbaso.records.renewal import archive_timestamps_renew
    from hocbaso.verify.files import file_check

    w = long_lived
    sign_and_issue(w)
    assert PERIODIC["records.archive_renew"] == 86400  # beat's schedule is built from PERIODIC (jobs.broker)
    assert archive_timestamps_renew(within_days=30).renewed == []  # the TSA's certificate has 40 years left
    out = StringIO()
    call_command("archive-renew", "--days", str(50 * 365), stdout=out)  # as cron runs it
    assert "gia hạn 3" in out.getvalue()
    renewal = IssuedRenewal.objects.select_related("issued").order_by("pk").first()
    issued = renewal.issued
    with default_storage.open(issued.pdf, "rb") as handle:
        original = handle.read()
    with default_storage.open(renewal.pdf, "rb") as handle:
        renewed = handle.read()
    assert renewed.startswith(original) and renewal.previous_sha256 == issued.sha256
    for data, reason in ((original, None), (renewed, "gia hạn dấu thời gian lưu trữ")):
        verdict = file_check(data)
        assert verdict.verdict == "authentic_current" and verdict.record["record_id"] == issued.record_id
        assert (reason in verdict.details.get("reason", "")) if reason else "reason" not in verdict.details
        assert verdict.details["ltv"]["level"] == "B-LTA"
    assert file_check(renewed).details["ltv"]["document_timestamps"] == 2
    entry = AuditEntry.objects.filter(action="record.archive_renew").latest("pk")
    assert entry.actor_id is None and entry.after["sha256"] in set(IssuedRenewal.objects.values_list("sha256",
                                                                                                    flat=True))
    # the next run renews from the renewal, not from the issued file
    call_command("archive-renew", "--days", str(50 * 365), stdout=StringIO())
    second = IssuedRenewal.objects.filter(issued=issued).order_by("pk").last()
    assert second.previous_sha256 == renewal.sha256
    settings.TSA_URL = None
    with pytest.raises(CommandError, match="HOCBASO_TSA_URL"):
        call_command("archive-renew", stdout=StringIO())
    # the renewals are insert only, like the registry: in code and in the database
    from django.db import DatabaseError, connection, transaction

    from hocbaso.records.models import ImmutableRecordError

    with pytest.raises(ImmutableRecordError):
        second.save()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE records_issuedrenewal SET pdf = 'x'")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM records_issuedrenewal")
