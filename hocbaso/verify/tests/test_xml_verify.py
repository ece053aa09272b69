"""Verification takes either form: the PDF with its signed XML inside, or the bare signed XML (docs/record-xml.md).
Each XAdES signature is reported; a changed byte is caught; the registry match of a bare XML is its record id with
exactly the registry's record; the API serves the signed XML behind the second factor."""

import datetime as dt
import hashlib
import json
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from hocbaso.documents.render import render_year
from hocbaso.records.codes import new_lookup_code
from hocbaso.records.models import Extract, IssuedRecord
from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
from hocbaso.signing.pades import SignJob
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.xades import ROLE_PRINCIPAL, ROLE_SEAL, ROLE_TEACHER
from hocbaso.signing.xml_batches import pdfs_xml_sign
from hocbaso.signing.xml_pdf import pdf_xml_read
from hocbaso.tt27.record_xml import record_to_xml
from hocbaso.tt27.tests.factories import issuance, valid_record
from hocbaso.verify.files import file_check

PEPPER = b"pepper"
RECORD = valid_record(issuance={**issuance(), "record_id": "HB-67000199-2025-000777", "lookup_code": new_lookup_code()},
                      outcome="HTT", completed_grade=True)
RECORD["pupil"]["identity_number"] = "067214001234"
RECORD["pupil"]["birth_date"] = "2014-09-02"


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """The record's PDF signed as at issuance (teacher, principal, seal; the XML inside with three XAdES
    signatures) and the CA's root."""
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("pki"), b"pass", name="hocbaso test",
                                     organisation="hocbaso", pepper=PEPPER)
    people = [(ca.issue_person("t", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation="Trường", pin="111111"),
               "111111", ROLE_TEACHER, "GVCN"),
              (ca.issue_person("p", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL, organisation="Trường",
                               pin="222222"), "222222", ROLE_PRINCIPAL, "HT"),
              (ca.issue_seal("s", organisation="Trường", pin="333333"), "333333", ROLE_SEAL, "DONGDAU")]
    pdf = render_year(RECORD)
    for identity, pin, role, field_name in people:
        with BuiltinSigner(identity, pin, pepper=PEPPER) as signer:
            pdf = pdfs_xml_sign(signer, [pdf], role=role, records=[RECORD] if role is ROLE_TEACHER else None)[0]
            pdf = signer.sign_batch([SignJob(pdf, field_name)])[0]
    return pdf, str(ca.root_pem_path)


@pytest.fixture
def issued(signed, world, settings, tmp_path):
    return _issued(signed, world, settings, tmp_path, RECORD)


def _issued(signed, world, settings, tmp_path, record):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.HOCBASO_TRUST_ROOTS = [signed[1]]
    pdf = signed[0]
    name = default_storage.save("records/xml-test.pdf", ContentFile(pdf))
    return IssuedRecord.objects.create(
        record_id=RECORD["issuance"]["record_id"], lookup_code=RECORD["issuance"]["lookup_code"],
        enrolment=world.enrolment, version=1, school_code="67000199", school_year="2024-2025", class_name="4A",
        pupil_name=RECORD["pupil"]["full_name"], pupil_birth_date=dt.date(2014, 9, 2),
        identity_number="067214001234", effective_date=dt.date(2025, 6, 1), issued_at=timezone.now(),
        issued_by=world.owner.user, sha256=hashlib.sha256(pdf).hexdigest(), pdf=name, record=record,
        signers=[{"name": "Lê Thị Hoa", "role": "Giáo viên chủ nhiệm"}])


def test_the_bare_xml_matches_the_registry_with_three_signatures(issued):
    xml = pdf_xml_read(default_storage.open(issued.pdf).read())
    verdict = file_check(xml)
    assert verdict.verdict == "authentic_current" and verdict.details["form"] == "xml"
    assert [(s["role"], s["seal"], s["intact"], s["trusted"]) for s in verdict.xml_signatures] == [
        ("Giáo viên chủ nhiệm", False, True, True), ("Hiệu trưởng", False, True, True),
        ("Đóng dấu trường", True, True, True)]
    assert "xml_signatures" in verdict.as_dict()


@pytest.mark.parametrize("old, new", [(b"<outcome>HTT</outcome>", b"<outcome>HTXS</outcome>"),
                                      ("Nhận xét Toán.".encode(), "Nhận xét Toán,".encode())])
def test_a_changed_xml_is_altered(issued, old, new):
    xml = pdf_xml_read(default_storage.open(issued.pdf).read())
    assert xml.count(old) == 1
    verdict = file_check(xml.replace(old, new))
    assert verdict.verdict == "altered"
    assert not any(s["intact"] for s in verdict.xml_signatures)


def test_an_xml_of_another_record_than_the_registry_s_is_altered(signed, world, settings, tmp_path):
    issued = _issued(signed, world, settings, tmp_path, {**RECORD, "outcome": "HT"})
    xml = pdf_xml_read(default_storage.open(issued.pdf).read())
    assert file_check(xml).verdict == "altered"


def test_unsigned_or_foreign_xml(issued):
    assert file_check(record_to_xml(RECORD)).verdict == "xml_not_signed"
    assert file_check(b"<?xml version='1.0'?><html/>").verdict == "not_record"


def test_the_verify_command_takes_the_xml_and_the_pdf(issued, tmp_path):
    pdf = default_storage.open(issued.pdf).read()
    xml_path, pdf_path = tmp_path / "r.xml", tmp_path / "r.pdf"
    xml_path.write_bytes(pdf_xml_read(pdf))
    pdf_path.write_bytes(pdf)
    out = StringIO()
    call_command("verify", str(xml_path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["form"] == "xml" and report["registry_match"] and report["status"] == "current"
    assert report["intact"] and report["trusted"] and len(report["xml_signatures"]) == 3
    out = StringIO()
    call_command("verify", str(pdf_path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["form"] == "pdf" and report["registry_match"] and len(report["signatures"]) == 3
    assert [s["role"] for s in report["xml_signatures"]] == ["Giáo viên chủ nhiệm", "Hiệu trưởng", "Đóng dấu trường"]
    xml_path.write_bytes(xml_path.read_bytes().replace(b"<grade>4</grade>", b"<grade>5</grade>"))
    with pytest.raises(CommandError) as failed:
        call_command("verify", str(xml_path), stdout=StringIO())
    assert failed.value.returncode == 1


def test_the_api_serves_the_signed_xml_behind_the_second_factor(client, issued):
    url = reverse("verify:api_xml", args=[issued.lookup_code])
    ok = client.post(url, {"birth_date": "2014-09-02", "identity_last4": "1234"}, content_type="application/json")
    assert ok.status_code == 200 and ok["Content-Type"] == "application/xml"
    assert ok.content == pdf_xml_read(default_storage.open(issued.pdf).read())
    [extract] = Extract.objects.filter(issued=issued)  # every extract recorded: which version, which form, when
    assert (extract.form, extract.channel, extract.by) == ("xml", "verify.api_xml", None)
    assert extract.sha256 == hashlib.sha256(ok.content).hexdigest()
    wrong = client.post(url, {"birth_date": "2014-09-03", "identity_last4": "1234"}, content_type="application/json")
    assert wrong.status_code == 404 and b"<record" not in wrong.content
    assert Extract.objects.filter(issued=issued).count() == 1
    checked = client.post(reverse("verify:api_file"), ok.content, content_type="application/xml").json()
    assert checked["verdict"] == "authentic_current" and len(checked["xml_signatures"]) == 3


def test_the_public_file_page_takes_the_xml(client, issued):
    from django.core.files.uploadedfile import SimpleUploadedFile

    xml = pdf_xml_read(default_storage.open(issued.pdf).read())
    page = client.post(reverse("verify:file"), {"tep": SimpleUploadedFile("hoc-ba.xml", xml, "application/xml")})
    html = page.content.decode()
    assert page.status_code == 200 and "verdict-authentic_current" in html
    assert html.count("Chữ ký số trên dữ liệu XML") == 3 and "Đóng dấu trường" in html
