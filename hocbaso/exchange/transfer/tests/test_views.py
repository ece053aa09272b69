"""Transfer out and in through the web pages, with every signature checked and a changed byte refused."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment
from hocbaso.exchange.models import Transfer
from hocbaso.records.models import ImportedRecord
from hocbaso.records.models import IssuedRecord
from hocbaso.testing.exchange import confirm_key, flip_in_signed_pdf, login, members, receiving_school, rezip
from hocbaso.testing.people import SEAL_PIN


@pytest.fixture
def receiving(school, django_user_model):
    return receiving_school(school, django_user_model)


def test_transfer_through_the_pages_with_every_signature_checked_and_a_changed_byte_refused(client, receiving):
    w = receiving
    create = reverse("exchange:transfer_create", args=[w.year.pk]) + f"?hs={w.enrolment.pk}"
    login(client, w.owner)
    assert "Lập gói chuyển trường" in client.get(create).content.decode()
    wrong = client.post(create, {"pin": "000000"}).content.decode()
    assert "Mã PIN" in wrong and Transfer.objects.count() == 0
    done = client.post(create, {"pin": SEAL_PIN}).content.decode()
    link = re.search(r'value="(https://hocba\.example\.vn/chuyen-truong/#([^"]+))" id="transfer-link"', done)
    assert link, done[:3000]
    transfer = Transfer.objects.get()
    package = client.post("/chuyen-truong/", {"token": link.group(2)}).content
    assert hashlib.sha256(package).hexdigest() == transfer.sha256

    receive = reverse("exchange:transfer_receive", args=[w.next_year.pk])
    login(client, w.receiver)
    files = members(package)
    record = next(name for name in files if name.startswith("records/"))
    tampered = rezip({**files, record: flip_in_signed_pdf(files[record])})
    before = (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count())
    refused = client.post(receive, {"file": SimpleUploadedFile("goi.zip", tampered)}).content.decode()
    assert 'id="problems"' in refused and "Không nhận gói chuyển trường này" in refused
    assert "mã băm" in refused or "SHA-256" in refused
    assert 'name="confirm"' not in refused
    assert (Enrolment.objects.count(), ImportedRecord.objects.count(), AuditEntry.objects.count()) == before

    preview = client.post(receive, {"link": link.group(1)})  # this deployment's link works too
    text = preview.content.decode()
    assert "Mọi chữ ký và mã băm trong gói đều hợp lệ" in text and w.pupil.full_name in text
    assert "Lê Thị Hoa" in text and "Đoàn Trung Quế" in text  # the homeroom teacher's and the principal's signatures
    assert Enrolment.objects.count() == before[0]
    key = confirm_key(preview)
    missing_class = client.post(receive, {"confirm": key}).content.decode()
    assert "Hãy chọn lớp" in missing_class
    done = client.post(receive, {"confirm": confirm_key_text(missing_class), "class": w.class5a.pk})
    assert done.status_code == 302
    enrolment = Enrolment.objects.get(school_class=w.class5a)
    assert enrolment.pupil == w.pupil and enrolment.transferred_in
    imported = ImportedRecord.objects.get(pupil=w.pupil)
    assert imported.sha256 == IssuedRecord.objects.get(enrolment=w.enrolment).sha256
    assert AuditEntry.objects.filter(action="transfer.import", actor_id=w.receiver.user.pk).count() == 1


def confirm_key_text(text: str) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', text).group(1)
