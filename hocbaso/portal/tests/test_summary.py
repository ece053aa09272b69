"""Bảng tổng hợp: on screen with the TT27 outcomes, as Excel and as an A4 landscape PDF."""

import io
import shutil
import subprocess

from django.urls import reverse
from openpyxl import load_workbook

from hocbaso.assessment.models import YearResult
from hocbaso.assessment.services import subject_evaluation_set
from hocbaso.records.locks import data_lock


def test_year_end_summary_computes_and_stores_the_outcome(client, world, fill_year):
    fill_year(world.enrolment, world.member.user)  # all T, scores 9: Hoàn thành xuất sắc (Điều 9.2)
    client.force_login(world.member.user)
    text = client.get(reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"])).content.decode()
    assert "Bảng tổng hợp kết quả đánh giá giáo dục của lớp" in text and "Nguyễn Thị Ánh Tuyết" in text
    assert '<span data-outcome="HTXS">1</span>' in text and "Học sinh Xuất sắc" in text
    assert 'title="Hoàn thành xuất sắc"' in text
    result = YearResult.objects.get(enrolment=world.enrolment)
    assert (result.outcome, result.award, result.completed_grade) == ("HTXS", "hoc_sinh_xuat_sac", True)


def test_read_only_viewers_see_the_computed_outcome_but_never_write(client, people, fill_year):
    fill_year(people.enrolment, people.member.user, rating="H", score=6, trait="Đ")
    client.force_login(people.vice.user)
    text = client.get(reverse("portal:summary", args=[people.class4a.pk, "cuoi_nam"])).content.decode()
    assert '<span data-outcome="HT">1</span>' in text
    assert not YearResult.objects.exists()


def test_a_locked_class_is_not_reassessed(client, world, fill_year):
    fill_year(world.enrolment, world.member.user)
    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)  # computes the results once
    stored = YearResult.objects.get(enrolment=world.enrolment)
    client.force_login(world.owner.user)
    text = client.get(reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"])).content.decode()
    assert '<span data-outcome="HTXS">1</span>' in text
    again = YearResult.objects.get(enrolment=world.enrolment)
    assert (again.revision, again.assessed_at) == (stored.revision, stored.assessed_at)
    assert client.post(reverse("portal:results_assess", args=[world.class4a.pk])).status_code == 403


def test_missing_evaluations_are_listed_for_the_pupil(client, world):
    subject_evaluation_set(enrolment=world.enrolment, period="cuoi_nam", subject="toan", by=world.member.user,
                           rating="T")
    client.force_login(world.member.user)
    text = client.get(reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"])).content.decode()
    assert "chưa đủ dữ liệu để tính kết quả" in text and "Thiếu điểm kiểm tra định kì" in text


def test_a_term_summary_has_no_outcome_column(client, world):
    subject_evaluation_set(enrolment=world.enrolment, period="giua_hk1", subject="toan", by=world.member.user,
                           rating="H", score=7)
    client.force_login(world.member.user)
    text = client.get(reverse("portal:summary", args=[world.class4a.pk, "giua_hk1"])).content.decode()
    assert "Kết quả giáo dục</th>" not in text and "được tính vào cuối năm học" in text
    assert '<td class="c-subject" title="Hoàn thành">H</td><td class="c-score">7</td>' in text


def test_excel_download(client, world, fill_year):
    fill_year(world.enrolment, world.member.user)
    client.force_login(world.member.user)
    response = client.get(reverse("exchange:summary_xlsx", args=[world.class4a.pk, "cuoi_nam"]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('-lop-4A-cuoi_nam.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP 4A" in c for c in cells)
    assert "Nguyễn Thị Ánh Tuyết" in cells and "Hoàn thành xuất sắc" in cells  # stored before the file is written


def test_pdf_download_is_a4_landscape_with_the_names(client, world, fill_year):
    import pikepdf

    fill_year(world.enrolment, world.member.user)
    client.force_login(world.member.user)
    response = client.get(reverse("portal:summary_pdf", args=[world.class4a.pk, "cuoi_nam"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = pikepdf.open(io.BytesIO(response.content))
    x0, y0, x1, y1 = [float(v) for v in pdf.pages[0].mediabox]
    assert round(x1 - x0) == 842 and round(y1 - y0) == 595
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True).stdout.decode()
        assert "BẢNG TỔNG HỢP" in text and "Nguyễn Thị Ánh Tuyết" in text and "HTXS" in text


def test_a_stale_tieu_bieu_nomination_is_named_on_the_summary_and_the_class_page(client, world, fill_year):
    """Issue 18: a pupil nominated Tiêu biểu whose ratings then made them HTXS lost their outcome silently; the
    summary said "chưa đủ dữ liệu" and the class page "Đã nhập đủ". Both now name the nomination and the fix."""
    from hocbaso.assessment.services import year_result_set

    fill_year(world.enrolment, world.member.user)  # all T, 9: HTXS
    year_result_set(enrolment=world.enrolment, by=world.member.user, nominated_tieu_bieu=True)
    client.force_login(world.member.user)
    summary = client.get(reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"])).content.decode()
    reason = "Học sinh được đề nghị khen &quot;Học sinh Tiêu biểu"
    assert "chưa đủ dữ liệu" not in summary
    assert 'id="outcome-problems"' in summary and reason in summary and "Hoàn thành xuất sắc (HTXS)" in summary
    page = client.get(reverse("portal:class_detail", args=[world.class4a.pk])).content.decode()
    assert 'id="class-outcome-blockers"' in page and reason in page and "chưa đủ dữ liệu" not in page
    year_result_set(enrolment=world.enrolment, by=world.member.user, nominated_tieu_bieu=False)  # the fix it says
    summary = client.get(reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"])).content.decode()
    assert 'id="outcome-problems"' not in summary and '<span data-outcome="HTXS">1</span>' in summary
