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
