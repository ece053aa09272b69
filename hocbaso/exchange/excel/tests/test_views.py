"""Excel import through the web pages: upload, a preview with every problem, then confirm; an evaluation upload
touches only the sheets the user may enter."""

import datetime as dt
import re

from django.urls import reverse

from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment, Pupil
from hocbaso.exchange.excel.evaluation_export import evaluations_workbook
from hocbaso.testing.exchange import PUPIL_HEADERS, XLSX_TYPE, confirm_key, login, pupil_row, save, upload, xlsx


def test_pupil_list_upload_shows_every_problem_then_a_preview_and_writes_only_on_confirmation(client, world):
    url = reverse("exchange:import_pupils", args=[world.year.pk])
    login(client, world.owner)
    assert "Nhập danh sách học sinh" in client.get(url).content.decode()
    bad = xlsx({"DS": [PUPIL_HEADERS,
                       pupil_row(1, "4A", "067214009991", "Lê Văn Một", "31/02/2014"),
                       pupil_row(2, "9Z", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3)),
                       pupil_row(3, "4A", "067214009991", "Lê Văn Ba", dt.date(2014, 4, 4))]})
    before = (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count())
    page = client.post(url, {"file": upload(bad)})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="problems"' in text and "chưa ghi gì" in text
    rows = re.findall(r"<tr><td>DS</td><td>(\d+)</td><td>([A-Z]+)", text)
    assert {("2", "E"), ("3", "B"), ("4", "C")} <= set(rows), rows  # bad date, unknown class, duplicated number
    assert 'name="confirm"' not in text
    assert (Pupil.objects.count(), Enrolment.objects.count(), AuditEntry.objects.count()) == before

    not_excel = client.post(url, {"file": upload(b"STT;Ho ten\n1;A\n", "danh-sach.csv")}).content.decode()
    assert "không phải tệp Excel .xlsx" in not_excel and 'name="confirm"' not in not_excel

    good = xlsx({"DS": [PUPIL_HEADERS, pupil_row(1, "4A", "067214009991", "Lê Văn Một", dt.date(2014, 2, 2)),
                        pupil_row(2, "4B", "067214009992", "Lê Văn Hai", dt.date(2014, 3, 3))]})
    preview = client.post(url, {"file": upload(good)})
    assert "Sẽ thêm 2" in preview.content.decode()
    assert Pupil.objects.count() == before[0]  # the preview writes nothing
    key = confirm_key(preview)
    done = client.post(url, {"confirm": key})
    assert done.status_code == 302 and done["Location"] == reverse("exchange:hub", args=[world.year.pk])
    assert Pupil.objects.filter(identity_number__in=["067214009991", "067214009992"]).count() == 2
    assert AuditEntry.objects.filter(action="pupil.create", actor_id=world.owner.user.pk).count() == 2
    again = client.post(url, {"confirm": key})  # a used key does nothing
    assert "đã hết hạn hoặc đã được dùng" in again.content.decode()
    assert Pupil.objects.count() == before[0] + 2


def test_an_evaluation_upload_may_only_touch_the_sheets_the_user_enters(client, school):
    w = school
    url = reverse("exchange:import_evaluations", args=[w.class4a.pk])
    data = save(evaluations_workbook(w.class4a, "cuoi_nam"))  # every subject, English included
    login(client, w.member)
    exported = client.get(reverse("exchange:class_export", args=[w.class4a.pk, "cuoi_nam"]))
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX_TYPE
    assert reverse("exchange:class_export", args=[w.class4a.pk, "cuoi_nam"]) in client.get(url).content.decode()
    login(client, w.member)  # the homeroom teacher: English is the English teacher's
    text = client.post(url, {"period": "cuoi_nam", "file": upload(data)}).content.decode()
    assert "Bạn không được nhập «Tiếng Anh» của lớp 4A" in text or "Bạn không được nhập «Ngoại ngữ 1" in text, text
    assert 'name="confirm"' not in text
    login(client, w.english)
    text = client.post(url, {"period": "cuoi_nam", "file": upload(data)}).content.decode()
    assert "Bạn không được nhập «Toán» của lớp 4A" in text and 'name="confirm"' not in text
    login(client, w.owner)  # the principal enters every sheet: the exported file changes nothing
    preview = client.post(url, {"period": "cuoi_nam", "file": upload(data)})
    assert "Sẽ thêm 0, cập nhật 0" in preview.content.decode()
    assert client.post(url, {"period": "", "file": upload(data)}).content.decode().count("Hãy chọn thời điểm") == 1


def test_the_blank_evaluation_template_linked_on_the_teachers_import_page_downloads_for_them(client, school):
    """Issue 18: the "Mẫu bảng đánh giá khối 4" link on a teacher's own import page answered 403."""
    w = school
    page_url = reverse("exchange:import_evaluations", args=[w.class4a.pk])
    for teacher in (w.member, w.english):  # the homeroom teacher and the subject teacher
        login(client, teacher)
        text = client.get(page_url).content.decode()
        link = re.search(r'href="([^"]*mau-danh-gia[^"]*)"', text).group(1).replace("&amp;", "&")
        answer = client.get(link)
        assert answer.status_code == 200 and answer["Content-Type"] == XLSX_TYPE, teacher
        # the school's data stays theirs to refuse: the pupil list is not a blank template
        data = client.get(reverse("exchange:export", args=[w.year.pk, "danh-sach-hoc-sinh"]))
        assert data.status_code == 403
