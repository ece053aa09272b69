"""What an office's page refuses before it costs anything: compression bombs, too many members, names that climb
out of a folder, XML with a DTD or entities (billion laughs), trees deeper than the parser allows, uploads over
the size limit. Each refusal is a Vietnamese sentence; nothing is stored."""

import io
import json
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.exchange.submission.services import FORMAT, INDEX, file_receive, submission_file_receive
from hocbaso.records.models import PackageReceipt
from hocbaso.signing.xml_packages import MANIFEST, manifest_parse, name_safe, record_parse, xml_package_open
from hocbaso.tt27.record_xml import XmlRecordError


def _zip(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def members_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _school(packages: dict, extra: dict | None = None) -> bytes:
    index = {"format": FORMAT, "school": "67000199", "school_year": "2024-2025",
             "packages": [{"class_name": n, "file": n, "sha256": "0" * 64, "records": 1} for n in packages]}
    return _zip({INDEX: json.dumps(index).encode(), **packages, **(extra or {})}, zipfile.ZIP_STORED)


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE package [<!ENTITY a "hahahahahahahahahaha">'
          + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
          + b']>\n<package xmlns="urn:hocbaso:package:xml:1"><manifest Id="manifest">&i;</manifest></package>')

ONE_ENTITY = (b'<?xml version="1.0"?>\n<!DOCTYPE package [<!ENTITY a "x">]>\n'
              b'<package xmlns="urn:hocbaso:package:xml:1"><manifest Id="manifest">&a;</manifest></package>')


def test_a_compression_bomb_is_refused_by_size_not_inflated():
    bomb = _zip({MANIFEST: b"<a/>", "records/x.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 100_000  # 40 MB of zeros deflate to ~40 KB: a ratio of 1000
    opened = xml_package_open(bomb)
    assert not opened.ok and "tỉ lệ nén bất thường" in opened.problems[0]
    school = _zip({**members_of(_school({"4A.zip": b"x"})), "bom.bin": b"\0" * (70 * 1024 * 1024)})
    [result] = submission_file_receive(school, label="nop.zip")
    assert not result.ok and "tỉ lệ nén bất thường" in result.problems[0]
    # Past the ratio check (random bytes do not compress), the sizes once decompressed are capped: a member, the
    # whole file.
    big = _zip({MANIFEST: b"<a/>", "records/x.xml": os.urandom(3 * 1024 * 1024)})
    opened = xml_package_open(big)
    assert not opened.ok and "quá lớn khi giải nén" in opened.problems[0]
    many = _school({f"{i}.zip": os.urandom(7 * 1024 * 1024) for i in range(10)})
    [result] = submission_file_receive(many, label="nop.zip")
    assert not result.ok and "quá lớn khi giải nén" in result.problems[0]


def test_too_many_members_are_refused():
    many = _school({f"{i}.zip": b"x" for i in range(130)})
    [result] = submission_file_receive(many, label="nop.zip")
    assert not result.ok and "quá nhiều tệp bên trong" in result.problems[0]
    opened = xml_package_open(_zip({f"records/{i}.xml": b"<a/>" for i in range(250)}))
    assert not opened.ok and "quá nhiều tệp bên trong" in opened.problems[0]


@pytest.mark.parametrize("name", ["../4A.zip", "/etc/passwd", "a/../../b.zip", "C:\\x.zip", "a\\b.zip", "a/b/c.xml",
                                  ".hidden", ""])
def test_names_that_leave_the_folder_are_refused(name):
    assert not name_safe(name)
    if name:
        [result] = submission_file_receive(_school({"4A.zip": b"x"}, {name: b"x"}), label="nop.zip")
        assert not result.ok and "tên tệp bên trong không hợp lệ" in result.problems[0]
        opened = xml_package_open(_zip({MANIFEST: b"<a/>", name: b"x"}))
        assert not opened.ok and "tên tệp không hợp lệ" in opened.problems[0]


def test_safe_names_pass():
    assert name_safe("67000199-2024-2025-4A.zip") and name_safe("records/HB-1.xml") and name_safe(MANIFEST)


def test_xml_with_a_dtd_or_entities_or_a_deep_tree_is_refused():
    with pytest.raises(XmlRecordError, match="Maximum entity amplification|DOCTYPE"):
        manifest_parse(LAUGHS)  # libxml2 stops the billion laughs even unexpanded; a DTD is refused anyway:
    with pytest.raises(XmlRecordError, match="DOCTYPE"):
        manifest_parse(ONE_ENTITY)
    with pytest.raises(XmlRecordError):
        record_parse(LAUGHS.replace(b"package:xml", b"record:xml"))
    deep = b"<package xmlns='urn:hocbaso:package:xml:1'>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</package>"
    with pytest.raises(XmlRecordError, match="không phải XML hợp lệ"):
        manifest_parse(deep)
    opened = xml_package_open(_zip({MANIFEST: ONE_ENTITY}))
    assert not opened.ok and "DOCTYPE" in opened.problems[0]


def test_a_file_that_is_no_package_says_so():
    [result] = file_receive(b"PK not a zip", label="x.zip")
    assert not result.ok and "không đọc được tệp ZIP" in result.problems[0]
    [result] = file_receive(_zip({"hoc-ba.pdf": b"%PDF"}), label="x.zip")
    assert not result.ok and "submission.json" in result.problems[0] and "manifest.xml" in result.problems[0]


@pytest.mark.django_db
def test_the_receive_page_refuses_an_upload_over_the_limit(client, world, django_user_model, settings):
    from hocbaso.directory.models import Role, Staff, StaffRole

    officer = django_user_model.objects.create_user(username="so", password="x" * 12)
    StaffRole.objects.create(staff=Staff.objects.create(user=officer, full_name="Cán bộ Sở", province=world.province),
                             role=Role.PROVINCE_OFFICER)
    settings.PACKAGE_MAX_UPLOAD = 1000
    client.force_login(officer)
    page = client.post(reverse("exchange:receive"), {"files": [SimpleUploadedFile("nop.zip", b"x" * 2000)]})
    assert "Tệp quá lớn" in page.content.decode() and not PackageReceipt.objects.exists()
