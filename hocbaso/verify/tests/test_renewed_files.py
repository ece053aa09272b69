"""An issued record whose archive time stamp was renewed (docs/long-term-validation.md): the public download, the
API's PDF and the school's portal serve the renewed file (the same record and version, plus a newer archive time
stamp), each recorded as an extract with the hash of what was served; the registry matches either file; the lookup
page, its JSON and the file check show each signature's long-term validation in Vietnamese."""

import hashlib
import io

from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from hocbaso.records.models import Extract, IssuedRecord, IssuedRenewal
from hocbaso.records.renewal import archive_timestamps_renew, latest_file
from hocbaso.testing.lifecycle import sign_and_issue
from hocbaso.verify.files import file_check
from hocbaso.verify.pages import forget_pages
from hocbaso.verify.services import _kept_views
from hocbaso.verify.tests.test_long_term_validation import long_lived  # noqa: F401  (the fixture)


def _read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_downloads_serve_the_latest_renewal_recorded_and_both_files_match_the_registry(
        long_lived, client):  # noqa: F811
    w = long_lived
    sign_and_issue(w)
    issued = IssuedRecord.objects.filter(enrolment=w.enrolment).get()
    assert latest_file(issued) == (issued.pdf, issued.sha256)  # nothing renewed yet: the issued file
    archive_timestamps_renew(within_days=50 * 365, records=IssuedRecord.objects.filter(pk=issued.pk))
    archive_timestamps_renew(within_days=50 * 365, records=IssuedRecord.objects.filter(pk=issued.pk))
    first, last = IssuedRenewal.objects.filter(issued=issued).order_by("pk")
    assert latest_file(issued) == (last.pdf, last.sha256)
    original, renewed = _read(issued.pdf), _read(last.pdf)
    assert renewed.startswith(_read(first.pdf)) and _read(first.pdf).startswith(original)

    factor = {"birth_date": issued.pupil_birth_date.isoformat(), "identity_last4": issued.identity_number[-4:]}
    # the public lookup page after the second factor: the renewed file
    granted = client.post(reverse("verify:status", args=[issued.lookup_code]),
                          {"xac_minh": issued.pupil_birth_date.strftime("%d/%m/%Y"),
                           "so_cuoi": issued.identity_number[-4:]})
    assert granted.status_code == 200
    download = client.get(reverse("verify:download", args=[issued.lookup_code]))
    assert _body(download) == renewed and download["X-Content-SHA256"] == last.sha256
    # the API: the renewed PDF too, and the full JSON names both hashes
    api = Client().post(reverse("verify:api_pdf", args=[issued.lookup_code]), factor,
                        content_type="application/json")
    assert api.status_code == 200 and _body(api) == renewed
    full = Client().post(reverse("verify:api_full", args=[issued.lookup_code]), factor,
                         content_type="application/json").json()
    assert (full["sha256"], full["file_sha256"]) == (issued.sha256, last.sha256)
    wrong = Client().post(reverse("verify:api_pdf", args=[issued.lookup_code]),
                          {**factor, "birth_date": "2000-01-01"}, content_type="application/json")
    assert wrong.status_code == 404
    # every extract recorded: who (nobody signed in), which version, which form, the hash of what was served
    assert list(Extract.objects.filter(issued=issued).order_by("pk").values_list("form", "channel", "by", "sha256")) \
        == [("pdf", "verify.download", None, last.sha256), ("pdf", "verify.api_pdf", None, last.sha256),
            ("json", "verify.api_full", None, "")]
    # the school's own portal: the renewed file, recorded with the staff member
    client.force_login(w.owner.user)
    portal = client.get(reverse("portal:record_pdf", args=[w.enrolment.school_class_id, w.enrolment.pk]))
    assert portal["X-Record-Kind"] == "issued" and portal.content == renewed
    extract = Extract.objects.filter(issued=issued).latest("pk")
    assert (extract.channel, extract.by_id, extract.sha256) == ("portal.record_pdf", w.owner.user.pk, last.sha256)
    # the principal reads the extracts on the school's log page, linked from the school's dashboard
    dashboard = client.get(reverse("portal:school_dashboard", args=[w.year.pk])).content.decode()
    assert reverse("verify:log") + "#trich-xuat" in dashboard
    log = client.get(reverse("verify:log")).content.decode()
    assert "Nhật ký trích xuất học bạ" in log and "portal.record_pdf" in log and "verify.api_pdf" in log

    # the registry and `hocbaso verify` still match either file: same record, same version, same status
    for data in (original, renewed):
        verdict = file_check(data)
        assert verdict.verdict == "authentic_current" and verdict.issued == issued


def test_the_lookup_page_and_the_file_check_show_each_signatures_ltv(long_lived, client):  # noqa: F811
    w = long_lived
    sign_and_issue(w)
    issued = IssuedRecord.objects.filter(enrolment=w.enrolment).get()
    forget_pages()
    _kept_views.clear()
    page = client.get(reverse("verify:status", args=[issued.lookup_code])).content.decode()
    # three signatures (teacher, principal, seal), each B-T with its time stamp and the file's B-LTA data after it
    assert page.count("B-LTA: Có dữ liệu kiểm tra dài hạn (LTV) và dấu thời gian lưu trữ; dấu thời gian ") == 3
    assert "Dấu thời gian lưu trữ gần nhất:" in page and "chứng thư máy chủ dấu thời gian hết hạn" in page
    answer = client.get(reverse("verify:api_status", args=[issued.lookup_code])).json()
    assert answer["ltv"]["level"] == "B-LTA" and answer["ltv"]["archive_timestamp"]
    assert [s["ltv"]["ltv"] for s in answer["signers"] if s.get("ltv")] == ["B-LTA"] * 3
    assert all(s["ltv"]["timestamp"] for s in answer["signers"] if s.get("ltv"))
    before = answer["ltv"]["archive_timestamp"]
    # a renewal: the next lookup reads the renewed file (a newer archive time stamp), no restart needed
    archive_timestamps_renew(within_days=50 * 365, records=IssuedRecord.objects.filter(pk=issued.pk))
    renewal = IssuedRenewal.objects.get(issued=issued)
    answer = client.get(reverse("verify:api_status", args=[issued.lookup_code])).json()
    assert answer["ltv"]["archive_timestamp"] == renewal.archive_timestamp.isoformat() != before
    # the file check: each registry signature with its time stamp and LTV level, in Vietnamese
    page = client.post(reverse("verify:file"), {"tep": io.BytesIO(_read(issued.pdf))}).content.decode()
    assert page.count("B-LTA: Có dữ liệu kiểm tra dài hạn (LTV) và dấu thời gian lưu trữ") == 4  # file + 3 signatures
    verdict = file_check(_read(issued.pdf))
    rows = [dict(s["rows"]) for s in verdict.technical()["signatures"] if s["signature"]]
    assert len(rows) == 3 and all(r["Dấu thời gian"] != "Không có" for r in rows)
    assert {str(r["Kiểm tra dài hạn (LTV)"]) for r in rows} == {"B-LTA: Có dữ liệu kiểm tra dài hạn (LTV) và dấu "
                                                                 "thời gian lưu trữ"}
    assert hashlib.sha256(_read(issued.pdf)).hexdigest() == issued.sha256


def test_a_signature_whose_cms_ends_in_a_zero_byte_still_shows_its_time_stamp(long_lived):  # noqa: F811
    """One signature in 256 ends in a zero byte (the last byte of its time stamp token's signature): read by its
    DER length, not by stripping the PDF's zero padding, it keeps its time stamp on the public pages and its
    certificates in the validation data (found by CI: the lookup page once showed two time stamps of three)."""
    import pikepdf

    from hocbaso.signing.dss import signature_cms
    from hocbaso.verify.ltv_status import _fields, _signature_timestamp

    w = long_lived
    sign_and_issue(w)
    issued = IssuedRecord.objects.filter(enrolment=w.enrolment).get()
    with pikepdf.open(io.BytesIO(_read(issued.pdf))) as doc:
        raw = next(bytes(f.V.Contents) for f in _fields(doc)
                   if f.get("/FT") == "/Sig" and f.V.get("/Type") != "/DocTimeStamp")
    info = signature_cms(raw)
    token = next(a for a in info["content"]["signer_infos"][0]["unsigned_attrs"]
                 if a["type"].dotted == "1.2.840.113549.1.9.16.2.14")["values"][0]
    signature = token["content"]["signer_infos"][0]["signature"].native
    token["content"]["signer_infos"][0]["signature"] = signature[:-1] + b"\0"
    data = info.dump(force=True)
    assert data.endswith(b"\0") and len(data) < len(raw)
    padded = data + b"\0" * (len(raw) - len(data))  # as the PDF holds it: the room reserved, filled with zeros
    assert signature_cms(padded).dump() == data
    assert _signature_timestamp(padded) == _signature_timestamp(raw) is not None
