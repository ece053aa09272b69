"""A homeroom teacher fills a subject column in real Chromium: by keyboard, by paste, offline and back.

Every step is screenshotted to screenshots/<test>/; every claim is checked in the database.
"""

import pytest
from django.urls import reverse

from browsing import cell, log_in, pupils_join_4a, wait_saved

from hocbaso.assessment.models import SubjectEvaluation
from hocbaso.assessment.services import subject_evaluation_set
from hocbaso.directory.models import Enrolment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Class 4A: the shared fixture's pupil and five more; the grid lists them by given name.
NAMES = ["Lê Văn An", "Phạm Thị Bích", "Trần Minh Châu", "Hoàng Văn Dũng", "Vũ Thị Hà"]
ORDER = ["Lê Văn An", "Phạm Thị Bích", "Trần Minh Châu", "Hoàng Văn Dũng", "Vũ Thị Hà", "Nguyễn Thị Ánh Tuyết"]


@pytest.fixture
def class4a(world):
    pupils_join_4a(world, NAMES)
    return world


def marks(period="cuoi_nam", subject="toan"):
    rows = SubjectEvaluation.objects.filter(period=period, subject=subject).select_related("enrolment__pupil")
    return {r.enrolment.pupil.full_name: (r.rating, r.score, r.comment) for r in rows}


def unsent(page) -> int:
    return int(page.get_attribute("#unsent", "data-count"))


def test_teacher_fills_a_column_by_keyboard_and_paste_offline_and_back(live_server, class4a, new_context, shot):
    world = class4a
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    log_in(page, live_server.url, "gvcn4a", shot)
    shot(page, "home")
    page.click("text=4A")
    shot(page, "class")
    page.click(f'a[href="{reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"])}"]')
    page.wait_for_selector("#grid tbody tr")
    assert page.locator("#grid tbody th.name").all_inner_texts() == [f"{i + 1}. {n}" for i, n in enumerate(ORDER)]
    shot(page, "grid-empty")

    # Keyboard: a letter writes the rating and goes down; scores are typed and confirmed with Enter.
    cell(page, 0, "s:rating").click()
    page.keyboard.type("THt")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    for score in ("9", "7", "10"):
        page.keyboard.type(score)
        page.keyboard.press("Enter")
    page.keyboard.type("11")  # row 4: not a TT27 score
    page.keyboard.press("Enter")
    error = cell(page, 3, "s:score")
    assert "st-error" in error.get_attribute("class")
    error.click()
    assert "từ 0 đến 10" in page.inner_text("#cell-info")
    page.keyboard.type("7,5")
    page.keyboard.press("Tab")  # a decimal is refused too, instantly
    assert "phần thập phân" in cell(page, 3, "s:score").get_attribute("title")
    shot(page, "keyboard-with-errors")
    cell(page, 3, "s:score").click()
    page.keyboard.press("Delete")
    cell(page, 0, "s:comment").click()
    page.keyboard.type("Tính toán nhanh.")
    page.keyboard.press("Enter")
    wait_saved(page)
    shot(page, "keyboard-saved")
    assert marks() == {"Lê Văn An": ("T", 9, "Tính toán nhanh."), "Phạm Thị Bích": ("H", 7, ""),
                       "Trần Minh Châu": ("T", 10, "")}

    # Paste a block copied from Excel: rating, score and comment of the last three pupils.
    page.evaluate("text => navigator.clipboard.writeText(text)",
                  "H\t6\tCần cẩn thận hơn.\r\nT\t8\t\r\nC\t4\tCần luyện thêm.\r\n")
    cell(page, 3, "s:rating").click()
    page.keyboard.press("Control+V")
    assert "Đã dán 9 ô." in page.inner_text("#grid-notice")
    wait_saved(page)
    shot(page, "pasted-saved")
    assert marks()["Hoàng Văn Dũng"] == ("H", 6, "Cần cẩn thận hơn.")
    assert marks()["Nguyễn Thị Ánh Tuyết"] == ("C", 4, "Cần luyện thêm.")

    # The connection drops; the teacher keeps typing and sees what is waiting.
    context.set_offline(True)
    cell(page, 1, "s:rating").click()
    page.keyboard.type("T")
    cell(page, 1, "s:score").click()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    cell(page, 4, "s:comment").click()
    page.keyboard.type("Có tiến bộ.")
    page.keyboard.press("Enter")
    page.locator("#sync-state[data-state='offline']").wait_for(state="attached")
    assert unsent(page) == 3 and "3 thay đổi chưa gửi" in page.inner_text("#unsent")
    assert "Mất kết nối" in page.inner_text("#sync-state")
    assert "st-unsaved" in cell(page, 1, "s:rating").get_attribute("class")
    shot(page, "offline-unsent")
    assert marks()["Phạm Thị Bích"] == ("H", 7, "")  # nothing reached the server

    # Back online: everything is sent without a click.
    context.set_offline(False)
    wait_saved(page)
    assert unsent(page) == 0
    shot(page, "online-saved")
    assert marks() == {
        "Lê Văn An": ("T", 9, "Tính toán nhanh."), "Phạm Thị Bích": ("T", 8, ""), "Trần Minh Châu": ("T", 10, ""),
        "Hoàng Văn Dũng": ("H", 6, "Cần cẩn thận hơn."), "Vũ Thị Hà": ("T", 8, "Có tiến bộ."),
        "Nguyễn Thị Ánh Tuyết": ("C", 4, "Cần luyện thêm.")}


def test_edits_made_offline_survive_closing_the_tab(live_server, class4a, new_context, shot):
    world = class4a
    context = new_context()
    page = context.new_page()
    log_in(page, live_server.url, "gvcn4a")
    url = live_server.url + reverse("portal:grid", args=[world.class4a.pk, "cuoi_hk1", "tieng_viet"])
    page.goto(url)
    context.set_offline(True)
    cell(page, 0, "s:rating").click()
    page.keyboard.type("THC")
    page.locator("#sync-state[data-state='offline']").wait_for(state="attached")
    shot(page, "offline")
    page.close()  # the phone's browser is closed with three unsent ratings
    assert marks("cuoi_hk1", "tieng_viet") == {}
    context.set_offline(False)
    page = context.new_page()
    page.goto(url)
    assert "Đã khôi phục 3 thay đổi" in page.inner_text("#grid-notice")
    wait_saved(page)
    shot(page, "restored-saved")
    assert marks("cuoi_hk1", "tieng_viet") == {"Lê Văn An": ("T", None, ""), "Phạm Thị Bích": ("H", None, ""),
                                               "Trần Minh Châu": ("C", None, "")}


def test_a_score_of_zero_is_saved_with_a_warning_not_refused(live_server, class4a, new_context, shot):
    """TT27 Điều 7.1.d allows 0; the grid keeps it but asks the teacher to look again (11 is refused)."""
    world = class4a
    page = new_context().new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"]))
    page.wait_for_selector("#grid tbody tr")
    cell(page, 0, "s:rating").click()
    page.keyboard.type("C")
    cell(page, 0, "s:score").click()
    page.keyboard.type("0")
    page.keyboard.press("Enter")
    wait_saved(page)
    zero = cell(page, 0, "s:score")
    assert "st-warn" in zero.get_attribute("class") and "st-error" not in zero.get_attribute("class")
    assert "Điểm 0" in zero.get_attribute("title")
    shot(page, "zero-warned")
    assert marks()["Lê Văn An"] == ("C", 0, "")


def test_two_people_on_one_cell_are_told_not_overwritten(live_server, class4a, new_context, shot):
    world = class4a
    page = new_context().new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"]))
    page.wait_for_selector("#grid tbody tr")
    # Meanwhile the principal changes the first pupil's rating.
    first = Enrolment.objects.get(pupil__full_name="Lê Văn An")
    subject_evaluation_set(enrolment=first, period="cuoi_nam", subject="toan", by=world.owner.user, rating="C")
    cell(page, 0, "s:rating").click()
    page.keyboard.type("T")
    page.wait_for_selector('#grid td[data-col="s:rating"].st-conflict')
    assert page.get_attribute("#sync-state", "data-state") == "attention"  # never a green "Đã lưu tất cả"
    cell(page, 0, "s:rating").click()
    text = page.inner_text("#cell-info")
    assert "Đoàn Trung Quế" in text and "“C”" in text and "“T”" in text
    shot(page, "conflict")
    assert marks()["Lê Văn An"][0] == "C"
    page.click("button.keep-mine")
    wait_saved(page)
    shot(page, "kept-mine")
    assert marks()["Lê Văn An"][0] == "T"


def test_phone_width_keeps_names_in_view_and_rates_with_buttons(live_server, class4a, new_context, shot):
    world = class4a
    page = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True).new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "giua_hk1", "pham_chat_nang_luc"]))
    page.wait_for_selector("#grid tbody tr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361  # only the grid scrolls sideways
    cell(page, 0, "quality:yeu_nuoc:rating").tap()
    page.click("#quick button:text-is('Đ')")
    page.click("#quick button:text-is('T')")
    page.locator(".grid-wrap").evaluate("el => el.scrollLeft = 900")
    name = page.locator("#grid tbody tr:first-child th.name").bounding_box()
    assert name["x"] <= 12  # the name column stays on screen
    shot(page, "phone-scrolled", full_page=False)
    wait_saved(page)
    from hocbaso.assessment.models import TraitEvaluation

    assert dict(TraitEvaluation.objects.filter(code="yeu_nuoc").values_list("enrolment__pupil__full_name", "rating")) \
        == {"Lê Văn An": "Đ", "Phạm Thị Bích": "T"}


def test_year_end_comment_from_the_phrase_bank_then_the_summary_and_its_files(live_server, class4a, new_context,
                                                                             shot, fill_year):
    world = class4a
    for enrolment in world.class4a.enrolments.all():
        fill_year(enrolment, world.member.user)  # every subject T with 9, every quality and competence T
    context = new_context()
    page = context.new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "nhan_xet_cuoi_nam"]))
    page.wait_for_selector("#grid tbody tr")
    cell(page, 0, "y:homeroom_comment").click()
    page.keyboard.press("F4")
    page.wait_for_selector("#phrase-dialog[open] button.phrase")
    shot(page, "phrase-picker", full_page=False)
    phrase = page.locator("#phrase-dialog button.phrase").first.inner_text()
    page.locator("#phrase-dialog button.phrase").first.click()
    page.keyboard.type(" Chúc em nghỉ hè vui.")
    page.keyboard.press("Tab")  # to "Nghỉ có phép" of the same pupil
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    wait_saved(page)
    cell(page, 0, "y:weight_kg").click()
    page.keyboard.type("27,5")  # typed with the Vietnamese decimal comma, shown with it once saved
    page.keyboard.press("Enter")
    wait_saved(page)
    assert cell(page, 0, "y:weight_kg").inner_text() == "27,5"
    from hocbaso.assessment.models import YearResult

    result = YearResult.objects.get(enrolment__pupil__full_name="Lê Văn An")
    assert (result.homeroom_comment, result.days_absent_excused) == (f"{phrase} Chúc em nghỉ hè vui.", 2)
    assert str(result.weight_kg) == "27.5"
    shot(page, "year-page-saved")

    page.goto(live_server.url + reverse("portal:summary", args=[world.class4a.pk, "cuoi_nam"]))
    assert page.inner_text('[data-outcome="HTXS"]') == "6"
    shot(page, "summary")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    assert download.value.suggested_filename.endswith("-lop-4A-cuoi_nam.xlsx")
    pdf = page.request.get(live_server.url + reverse("portal:summary_pdf", args=[world.class4a.pk, "cuoi_nam"]))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (shot.folder / "summary.pdf").write_bytes(pdf.body())
    assert set(YearResult.objects.values_list("outcome", flat=True)) == {"HTXS"}


def test_a_grade_4_mid_term_rating_without_a_score_is_flagged(live_server, world, new_context, shot):
    """Grades 4–5 have a Tiếng Việt and Toán test at mid-term (tt27.catalogue): a rating there without a score
    is flagged; Đạo đức, without a test, is not."""
    for subject in ("toan", "dao_duc"):
        subject_evaluation_set(enrolment=world.enrolment, period="giua_hk1", subject=subject, by=world.member.user,
                               rating="H")
    page = new_context().new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "giua_hk1", "toan"]))
    page.wait_for_selector("#grid tbody tr")
    score = cell(page, 0, "s:score")
    assert "st-warn" in score.get_attribute("class") and "còn thiếu điểm" in score.get_attribute("title")
    shot(page, "mid-term-missing-score")
    page.goto(live_server.url + reverse("portal:grid", args=[world.class4a.pk, "giua_hk1", "dao_duc"]))
    page.wait_for_selector("#grid tbody tr")
    assert "st-warn" not in cell(page, 0, "s:score").get_attribute("class")
