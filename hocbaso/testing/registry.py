"""An issued record in the registry without signing anything: a stand-in file and the registry's row, for the
verification pages' tests."""

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from hocbaso.records.codes import new_lookup_code, new_record_id
from hocbaso.records.models import IssuedRecord

FAKE_PDF = b"%PDF-1.7\n% a stand-in for a signed record\n%%EOF\n"


def registry_record(world, version=1, supersedes=None, content=FAKE_PDF) -> IssuedRecord:
    """``world``'s pupil's record, version ``version``, stored with its file (``content`` and the version)."""
    content = content + f"v{version}".encode()
    name = default_storage.save(f"records/test-v{version}.pdf", ContentFile(content))
    return IssuedRecord.objects.create(
        record_id=new_record_id("67000199", "2024-2025"), lookup_code=new_lookup_code(),
        enrolment=world.enrolment, version=version, supersedes=supersedes, school_code="67000199",
        school_year="2024-2025", class_name="4A", pupil_name="Nguyễn Thị Ánh Tuyết",
        pupil_birth_date=dt.date(2014, 9, 2), identity_number="067214001234",
        effective_date=dt.date(2025, 6, 1), issued_at=timezone.now(), issued_by=world.owner.user,
        sha256=hashlib.sha256(content).hexdigest(), pdf=name,
        record={"school": {"name": "Trường Tiểu học Thử Nghiệm"}, "pupil": {"full_name": "Nguyễn Thị Ánh Tuyết",
                "birth_date": "2014-09-02", "identity_number": "067214001234"}, "school_year": "2024-2025",
                "class_name": "4A", "outcome": "HTT"},
        signers=[{"name": "Lê Thị Hoa", "role": "Giáo viên chủ nhiệm", "signed_at": "2025-05-31T10:00:00+07:00"},
                 {"name": "Đoàn Trung Quế", "role": "Hiệu trưởng", "signed_at": "2025-05-31T11:00:00+07:00"}])
