"""The submission in XML (issue 21, item 6): each class's package is its signed record XMLs and a manifest sealed
by the school; the school's submission is one file that the office's page accepts as downloaded; one altered
record refuses its class package, and the school's whole file, with nothing recorded."""

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.exchange.submission.services import (FORMAT, INDEX, file_receive, submission_build,
                                                  submission_file_receive)
from hocbaso.records.models import ClassPackage, Extract, ExtractForm, IssuedRecord, PackageReceipt
from hocbaso.signing.xml_packages import MANIFEST, xml_package_open
from hocbaso.testing.exchange import members, rezip
from hocbaso.testing.lifecycle import sign_and_issue


@pytest.fixture
def issued(school):
    sign_and_issue(school)
    return school


def _xml_package(w):
    package = ClassPackage.objects.get(school_class=w.class4a)
    with default_storage.open(package.xml_file, "rb") as handle:
        return package, handle.read()


def test_issuance_seals_a_class_package_in_xml_that_checks(issued):
    package, data = _xml_package(issued)
    files = members(data)
    assert sorted(files) == [MANIFEST, *sorted(f"records/{r.record_id}.xml" for r in IssuedRecord.objects.all())]
    opened = xml_package_open(data, trust_roots=None)
    assert opened.manifest["class_name"] == "4A" and opened.records == 3
    # Without trust roots the seal and the records' signatures are intact but not trusted: refused.
    assert not opened.ok and any("không thuộc tổ chức chứng thực" in p for p in opened.problems)
    received = file_receive(data, label="4A.zip")
    assert [r.ok for r in received] == [True], received[0].problems
    assert received[0].records == 3 and received[0].trusted and received[0].sha256 == package.xml_sha256


# ---- helpers: what someone who alters a package makes -----------------------------------------------------------

def _record_name(files):
    return next(n for n in sorted(files) if n.startswith("records/"))


def _resealed(w, files: dict, *, changed_record: bytes) -> bytes:
    """The class package with one record replaced and the manifest's hash of it updated and sealed again with the
    school's own seal: the school (or whoever holds its seal) altering a record after the teacher signed."""
    from lxml import etree

    from hocbaso.signing.services import identity_for, signer_open
    from hocbaso.signing.xml_packages import NS, manifests_seal, sha256
    from hocbaso.testing.people import SEAL_PIN

    name = _record_name(files)
    root = etree.fromstring(files[MANIFEST])
    root.remove(root[1])  # the seal's signature
    entry = next(e for e in root.iter(f"{{{NS}}}entry") if e.get("file") == name)
    entry.set("sha256", sha256(changed_record))
    unsigned = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    [sealed] = manifests_seal(signer_open(identity_for(school=w.school), SEAL_PIN), [unsigned])
    return rezip({**files, MANIFEST: sealed, name: changed_record}, compression=zipfile.ZIP_DEFLATED)


def _school_file(data: bytes, packages: dict[str, bytes], **index_changes) -> bytes:
    """The school's file with its class packages replaced (``packages``: file name → bytes, hashes updated in the
    index as a careful forger would)."""
    from hocbaso.signing.xml_packages import sha256

    files = members(data)
    index = json.loads(files[INDEX])
    for name, content in packages.items():
        files[name] = content
        for entry in index["packages"]:
            if entry["file"] == name:
                entry["sha256"] = sha256(content)
    index.update(index_changes)
    files[INDEX] = json.dumps(index, ensure_ascii=False).encode()
    return rezip(files)


# ---- the school's submission, received as downloaded ---------------------------------------------------------

def test_the_whole_school_s_file_is_accepted_as_built_and_each_record_sent_is_an_extract(issued):
    w = issued
    data, index = submission_build(school_year=w.year, by=w.owner.user)
    assert index["format"] == FORMAT and [p["class_name"] for p in index["packages"]] == ["4A"]
    assert index["missing"] == ["1A", "4B"]
    received = file_receive(data, label="nop.zip")
    assert [(r.class_name, r.ok, r.records, r.kind) for r in received] == [("4A", True, 3, "xml")], \
        [r.problems for r in received]
    package, _ = _xml_package(w)
    assert received[0].sha256 == package.xml_sha256
    extracts = Extract.objects.filter(channel="submission.download")
    assert extracts.count() == 3 and {e.form for e in extracts} == {ExtractForm.XML}
    assert {e.issued.record_id for e in extracts} == set(IssuedRecord.objects.values_list("record_id", flat=True))
    assert all(e.by == w.owner.user and len(e.sha256) == 64 for e in extracts)


def test_a_record_altered_and_resealed_by_the_school_is_refused_naming_class_pupil_and_signature(issued):
    w = issued
    package, data = _xml_package(w)
    files = members(data)
    record = files[_record_name(files)]
    assert b"<score>9</score>" in record
    altered = _resealed(w, files, changed_record=record.replace(b"<score>9</score>", b"<score>10</score>", 1))
    [result] = file_receive(altered, label="4A.zip")
    assert not result.ok
    text = " ".join(result.problems)
    assert "Lớp 4A" in text and "học bạ của" in text and "dữ liệu đã bị sửa sau khi ký" in text
    assert "Giáo viên chủ nhiệm" in text and "Hiệu trưởng" in text  # each broken signature named


def test_one_flipped_byte_in_a_record_refuses_the_school_s_whole_file(issued, client, django_user_model):
    w = issued
    data, index = submission_build(school_year=w.year)
    package_name = index["packages"][0]["file"]
    files = members(members(data)[package_name])
    name = _record_name(files)
    flipped = bytearray(files[name])
    flipped[len(flipped) // 2] ^= 0x01
    bad_package = rezip({**files, name: bytes(flipped)}, compression=zipfile.ZIP_DEFLATED)
    # The school's file with a second, sound copy of 4A listed beside the altered one: all or nothing.
    outer = members(data)
    idx = json.loads(outer[INDEX])
    idx["packages"].append({**idx["packages"][0], "file": "ban-sao-4A.zip"})
    outer["ban-sao-4A.zip"] = outer[package_name]
    outer[INDEX] = json.dumps(idx).encode()
    two = rezip(outer)
    assert all(r.ok for r in submission_file_receive(two, label="nop.zip"))
    refused = submission_file_receive(_school_file(two, {package_name: bad_package}), label="nop.zip")
    assert [r.ok for r in refused] == [False, False]
    assert any("không khớp mã băm SHA-256" in p and "Lớp 4A" in p for p in refused[0].problems)
    assert "Cả tệp nộp bị từ chối" in refused[1].problems[0]

    officer = django_user_model.objects.create_user(username="so", password="x" * 12)
    from hocbaso.directory.models import Role, Staff, StaffRole
    StaffRole.objects.create(staff=Staff.objects.create(user=officer, full_name="Cán bộ Sở", province=w.province),
                             role=Role.PROVINCE_OFFICER)
    client.force_login(officer)
    page = client.post(reverse("exchange:receive"),
                       {"files": [SimpleUploadedFile("nop.zip", _school_file(two, {package_name: bad_package}))]})
    assert "Đã ghi nhận 0 gói mới là đã nhận." in page.content.decode() and not PackageReceipt.objects.exists()
    # Another province's office: the file is sound, but the school is not theirs to record.
    from hocbaso.directory.models import Province
    elsewhere = django_user_model.objects.create_user(username="sokhac", password="x" * 12)
    StaffRole.objects.create(staff=Staff.objects.create(user=elsewhere, full_name="Sở khác",
                                                        province=Province.objects.create(code="66", name="Đắk Lắk")),
                             role=Role.PROVINCE_OFFICER)
    client.force_login(elsewhere)
    page = client.post(reverse("exchange:receive"), {"files": [SimpleUploadedFile("nop.zip", data)]})
    assert "3 học bạ trong 1 gói hợp lệ" in page.content.decode()
    assert "Đã ghi nhận 0 gói mới là đã nhận." in page.content.decode() and not PackageReceipt.objects.exists()
    client.force_login(officer)
    page = client.post(reverse("exchange:receive"), {"files": [SimpleUploadedFile("nop.zip", data)]})
    assert "Đã ghi nhận 1 gói mới là đã nhận." in page.content.decode()
    assert PackageReceipt.objects.get().package == ClassPackage.objects.get(school_class=w.class4a)


def test_a_forged_manifest_or_a_seal_from_elsewhere_is_refused(issued):
    from lxml import etree

    from hocbaso.signing.ca import CertificateAuthority  # noqa: F401 - the deployment's CA is the trusted one
    from hocbaso.signing.xml_packages import NS

    w = issued
    _package, data = _xml_package(w)
    files = members(data)
    # A pupil's name changed in the sealed manifest: the seal no longer holds.
    forged = files[MANIFEST].replace(b'pupil_name="', b'pupil_name="X', 1)
    [result] = file_receive(rezip({**files, MANIFEST: forged}), label="4A.zip")
    assert not result.ok and any("manifest.xml" in p and "đã bị sửa" in p for p in result.problems)
    # The seal removed.
    root = etree.fromstring(files[MANIFEST])
    root.remove(root[1])
    [result] = file_receive(rezip({**files, MANIFEST: etree.tostring(root)}), label="4A.zip")
    assert not result.ok and any("không có chữ ký đóng dấu" in p for p in result.problems)
    # A record left out of the package, or one added that the manifest does not list.
    name = _record_name(files)
    [result] = file_receive(rezip({k: v for k, v in files.items() if k != name}), label="4A.zip")
    assert any("thiếu tệp" in p for p in result.problems)
    [result] = file_receive(rezip({**files, "records/them.xml": files[name]}), label="4A.zip")
    assert any("không có trong danh sách" in p for p in result.problems)
    # Sealed by another key (the homeroom teacher's, not the school's seal): its role is not the seal's.
    from hocbaso.signing.services import identity_for, signer_open
    from hocbaso.signing.xml_packages import manifests_seal
    from hocbaso.testing.people import TEACHER_PIN
    [by_teacher] = manifests_seal(signer_open(identity_for(staff=w.member), TEACHER_PIN), [etree.tostring(root)])
    [result] = file_receive(rezip({**files, MANIFEST: by_teacher}), label="4A.zip")
    assert not result.ok and any("con dấu trên danh sách" in p for p in result.problems), result.problems
    assert root.find(f"{{{NS}}}manifest") is not None


def test_the_index_must_match_the_sealed_packages_school_and_year(issued):
    w = issued
    data, _index = submission_build(school_year=w.year)
    refused = submission_file_receive(_school_file(data, {}, school_year="2023-2024"), label="nop.zip")
    assert not refused[0].ok and any("năm học trong gói đã đóng dấu là '2024-2025'" in p for p in refused[0].problems)
    refused = submission_file_receive(_school_file(data, {}, school="99999999"), label="nop.zip")
    assert not refused[0].ok and any("mã trường" in p for p in refused[0].problems)
    refused = submission_file_receive(_school_file(data, {}, format="hocbaso.submission/1"), label="nop.zip")
    assert not refused[0].ok and "định dạng" in refused[0].problems[0]


def test_the_classes_manifests_take_no_other_confirmation_of_a_seal_on_a_phone(issued):
    """A seal signer whose user confirms each transaction (``RemoteSigner.sign_batch_with``): every class's
    manifest digest rides on the first class sheet's transaction; a seal without it (built-in, token, CSC) signs
    them all in one ``sign_digests`` call."""
    from hocbaso.records.packages import class_packages_build
    from hocbaso.signing.services import identity_for, signer_open
    from hocbaso.testing.people import SEAL_PIN

    w = issued
    calls = []

    class Phone:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def sign_digests(self, digests):
            calls.append(("sign_digests", len(digests)))
            return self.inner.sign_digests(digests)

        def sign_batch(self, jobs, **options):
            calls.append(("sign_batch", len(jobs)))
            return self.inner.sign_batch(jobs, **options)

        def sign_batch_with(self, jobs, digests, **options):
            calls.append(("sign_batch_with", len(jobs), len(digests)))
            return self.inner.sign_batch(jobs, **options), self.inner.sign_digests(digests)

    seal = signer_open(identity_for(school=w.school), SEAL_PIN)
    packages = class_packages_build(school_classes=[w.class1a, w.class4a], by=w.owner.user, seal_signer=Phone(seal))
    assert calls == [("sign_batch_with", 1, 2), ("sign_batch", 1)]  # two sheets, two manifests: two confirmations
    assert all(p.xml_file for p in packages)
    for package in packages:
        with default_storage.open(package.xml_file, "rb") as handle:
            [result] = file_receive(handle.read(), label=package.xml_file)
        assert result.ok, result.problems
    calls.clear()

    class Token(Phone):
        sign_batch_with = property(lambda self: (_ for _ in ()).throw(AttributeError("sign_batch_with")))

    class_packages_build(school_classes=[w.class1a, w.class4a], by=w.owner.user, seal_signer=Token(seal))
    assert calls == [("sign_digests", 2), ("sign_batch", 1), ("sign_batch", 1)]
