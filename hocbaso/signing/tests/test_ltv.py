"""Long-term validation with the built-in CA's CRL and OCSP responder and a local TSA, both on 127.0.0.1: PAdES
B-LT/B-LTA after the last signature, pdfsig's view of it, validation as of a date 10 years past the certificates'
expiry, a record signed after its certificate's revocation, and the archive time stamp's renewal."""

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
from hocbaso.signing.ltv import LtvSession, archive_renew, last_archive_timestamp, ltv_add, ltv_summary, validate_at
from hocbaso.signing.pades import PadesSettings, SignJob
from hocbaso.signing.revocation import Revoked, crl_build, ocsp_answer
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.testing.pdfs import simple_pdf
from hocbaso.signing.testing.revocation import LocalRevocation
from hocbaso.signing.testing.tsa import LocalTSA
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.poppler import pdfsig

from .flows import issue

PIN = "1357"
YEAR = dt.timedelta(days=365)


@dataclass
class World:
    ca: CertificateAuthority
    revocation: LocalRevocation
    tsa: LocalTSA
    teacher: object
    principal: object
    roots: list


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # A CA and a TSA that outlive the holders' 3-year certificates: the archive time stamp of 2040 is what
    # ``archive_renew`` keeps fresh; the holders' certificates are long expired by then.
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("ltv-pki"), b"ltv-passphrase", name="hocbaso ltv",
                                     root_years=60, issuing_years=50)
    with LocalRevocation(ca) as revocation, LocalTSA(ca, name="hocbaso ltv TSA", years=40) as tsa:
        teacher = ca.issue_person("gv", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation="Trường A",
                                  pin=PIN)
        principal = ca.issue_person("ht", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL,
                                    organisation="Trường A", pin=PIN)
        yield World(ca, revocation, tsa, teacher, principal, [ca.root_pem_path])


def _signed(world, seeds, principal=None) -> list[bytes]:
    settings = PadesSettings(tsa_url=world.tsa.url)  # B-T: each signature carries the TSA's time
    with BuiltinSigner(world.teacher, PIN, settings=settings) as teacher, \
            BuiltinSigner(principal or world.principal, PIN, settings=settings, seal=True) as head:
        return issue(teacher, head, [simple_pdf(seed=s) for s in seeds])


def _session(world, tsa=True) -> LtvSession:
    return LtvSession(trust_roots=world.roots, tsa_url=world.tsa.url if tsa else None,
                      crls=[crl_build(world.ca, [], root=True)])


@pytest.fixture(scope="module")
def issued(world):
    """Three records signed B-T, then B-LTA in one session."""
    before = dict(world.revocation.requests)
    session = _session(world)
    out = [ltv_add(pdf, session) for pdf in _signed(world, (1, 2, 3))]
    return out, {k: world.revocation.requests[k] - before[k] for k in before}


def test_new_certificates_name_the_ocsp_responder_and_the_crl(world):
    cert = world.teacher.certificate
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [d.access_location.value for d in aia] == [world.revocation.url + "/pki/ocsp"]
    assert cdp[0].full_name[0].value == world.revocation.url + "/pki/issuing.crl"


def test_crl_and_ocsp_say_revoked_only_after_revocation(world, tmp_path):
    ca = world.ca
    holder = ca.issue_person("gv-crl", full_name="Phạm Văn Bình", title=TITLE_TEACHER, organisation="Trường A", pin=PIN)
    request = ocsp.OCSPRequestBuilder().add_certificate(holder.certificate, ca.issuing, hashes.SHA256()).build()
    der = request.public_bytes(serialization.Encoding.DER)
    good = ocsp.load_der_ocsp_response(ocsp_answer(ca, der, {}))
    assert good.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    when = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    listed = {holder.certificate.serial_number: Revoked(holder.certificate.serial_number, when)}
    revoked = ocsp.load_der_ocsp_response(ocsp_answer(ca, der, listed))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED and revoked.revocation_time_utc == when
    crl = x509.load_der_x509_crl(crl_build(ca, list(listed.values())))
    assert crl.is_signature_valid(ca.issuing.public_key())
    assert crl.get_revoked_certificate_by_serial_number(holder.certificate.serial_number).revocation_date_utc == when
    # a certificate of another CA is not ours to answer for
    other = CertificateAuthority.create(tmp_path / "other", b"x")
    stranger = other.issue_person("x", full_name="X", title=TITLE_TEACHER, organisation="B", pin=PIN)
    foreign = ocsp.OCSPRequestBuilder().add_certificate(stranger.certificate, other.issuing, hashes.SHA1()).build()
    answer = ocsp.load_der_ocsp_response(ocsp_answer(ca, foreign.public_bytes(serialization.Encoding.DER), {}))
    assert answer.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_issued_record_is_b_lta_and_pdfsig_still_finds_the_signatures_valid(world, issued, tmp_path):
    records, asked = issued
    # one OCSP request per certificate (teacher, principal, TSA) for the whole batch, not one per record
    assert asked["ocsp"] == 3
    data = records[0]
    report = pdfsig(data, tmp_path, "lta.pdf")
    assert [r["Signature Field Name"] for r in report[:2]] == ["GVCN", "HieuTruong"]
    assert [r["Signature Validation"] for r in report[:2]] == ["Signature is Valid."] * 2
    # the last "signature" is the document time stamp over the whole file; Poppler 22 does not check RFC 3161
    # time stamps ("Unimplemented Feature"), so it is pyHanko below that says it is valid
    assert len(report) == 3 and "Total document signed" in report[2]
    assert report[2]["Signer Certificate Common Name"] == "hocbaso ltv TSA"
    result = validate_pdf(data, trust_roots=world.roots)
    assert not result["altered"] and result["trusted"]
    assert [s["ltv"] for s in result["signatures"]] == ["B-LTA", "B-LTA"]
    assert [s["modification_level"] for s in result["signatures"]] == ["FORM_FILLING", "LTA_UPDATES"]
    [stamp] = result["document_timestamps"]
    assert stamp["valid"] and stamp["trusted"] and stamp["covers_whole_file"] and stamp["tsa"] == "hocbaso ltv TSA"
    assert result["ltv"]["level"] == "B-LTA" and result["ltv"]["archive_timestamp"]


def test_without_a_tsa_the_record_is_b_lt(world):
    [data] = [ltv_add(pdf, _session(world, tsa=False)) for pdf in _signed(world, (4,))]
    summary = ltv_summary(data)
    assert summary["level"] == "B-LT" and summary["document_timestamps"] == 0
    result = validate_pdf(data, trust_roots=world.roots)
    assert not result["altered"] and [s["ltv"] for s in result["signatures"]] == ["B-LT", "B-LT"]


def test_revoked_after_issuance_and_ten_years_past_expiry_the_record_still_verifies(world, issued):
    data = issued[0][1]
    expiry = world.principal.certificate.not_valid_after_utc
    late = ca_revoke_principal(world)
    at = expiry + 10 * YEAR
    found = validate_at(data, at, world.roots)
    assert all(v["valid"] for v in found.values()), found
    # the same record without its validation data cannot be proven valid then
    bare = _signed(world, (5,), principal=late["spare"])[0]
    assert not any(v["valid"] for v in validate_at(bare, at, world.roots).values())


def ca_revoke_principal(world) -> dict:
    """Revoke the principal's certificate at the responder (as ``certificate_revoke`` does in the app); a spare,
    unrevoked principal is returned for the comparison."""
    spare = world.ca.issue_person("ht-spare", full_name="Ngô Văn Sơn", title=TITLE_PRINCIPAL,
                                  organisation="Trường A", pin=PIN)
    world.revocation.revoke(world.principal.certificate.serial_number)
    return {"spare": spare}


def test_a_record_signed_after_the_revocation_does_not_verify(world, issued):
    world.revocation.revoke(world.principal.certificate.serial_number)
    [late] = _signed(world, (6,))
    with pytest.raises(Exception, match="revoked"):
        ltv_add(late, _session(world))  # issuance refuses to vouch for it
    later = validate_at(late, world.principal.certificate.not_valid_after_utc + 10 * YEAR, world.roots)
    assert not later["HieuTruong"]["valid"]


def test_archive_time_stamp_renewal_appends_a_new_time_stamp(world, issued):
    data = issued[0][2]
    first = last_archive_timestamp(data)
    renewed = archive_renew(data, _session(world))
    assert renewed.startswith(data)  # an incremental update: the issued bytes stay as they were
    second = last_archive_timestamp(renewed)
    assert second.time > first.time
    result = validate_pdf(renewed, trust_roots=world.roots)
    assert not result["altered"] and len(result["document_timestamps"]) == 2
    assert all(t["valid"] for t in result["document_timestamps"])
    assert all(v["valid"] for v in validate_at(renewed, second.tsa_expires - YEAR, world.roots).values())


def test_signed_after_revocation_fails_even_with_the_revocation_data_and_a_time_stamp_embedded(world):
    """Validation data added by hand (not by ``ltv_add``, which refuses): the OCSP answer and the CRL saying
    revoked, then a document time stamp. The signature's own time stamp is after the revocation: not valid."""
    import io

    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation import DocumentSecurityStore

    from hocbaso.signing.aio import run_sync

    ca = world.ca
    holder = ca.issue_person("gv-late", full_name="Trịnh Văn Lâm", title=TITLE_TEACHER, organisation="Trường A",
                             pin=PIN)
    revoked = {holder.certificate.serial_number: Revoked(holder.certificate.serial_number,
                                                         dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1))}
    with BuiltinSigner(holder, PIN, settings=PadesSettings(tsa_url=world.tsa.url)) as signer:
        [pdf] = signer.sign_batch([SignJob(simple_pdf(seed=8), "GVCN")])
    request = ocsp.OCSPRequestBuilder().add_certificate(holder.certificate, ca.issuing, hashes.SHA1()).build()
    answer = ocsp_answer(ca, request.public_bytes(serialization.Encoding.DER), revoked)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    DocumentSecurityStore.supply_dss_in_writer(
        writer, sig_contents=None, ocsps=[asn1_ocsp.OCSPResponse.load(answer)],
        crls=[asn1_crl.CertificateList.load(crl_build(ca, list(revoked.values()))),
              asn1_crl.CertificateList.load(crl_build(ca, [], root=True))])
    out = io.BytesIO()
    run_sync(PdfTimeStamper(_session(world).timestamper).async_timestamp_pdf(writer, "sha256", output=out))
    found = validate_at(out.getvalue(), holder.certificate.not_valid_after_utc + 10 * YEAR, world.roots)
    assert not found["GVCN"]["valid"]
