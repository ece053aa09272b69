"""The entry grid on a 360×740 touch phone (issue 18): a whole column rated and scored with the bar at the bottom
of the screen, names readable, nothing sideways; undo; a refused cell reverted; the comment picker; and the
installable app: a grid opened once works after a reload and a restart without network, its edits sent once.

Every step is screenshotted to screenshots/<test>/; every claim is checked in the database.
"""

import pytest
from django.urls import reverse

from browsing import PHONE, cell, fits_the_phone, log_in, phone_page, pupils_join_4a, wait_saved
from conftest import ARGS, CHROMIUM

from hocbaso.assessment.models import SubjectEvaluation, YearResult
from hocbaso.assessment.services import subject_evaluation_set
from hocbaso.audit.models import AuditEntry
from hocbaso.directory.models import Enrolment
from hocbaso.portal.models import TeacherPhrase
from hocbaso.records.locks import data_lock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 4A: the shared fixture's pupil and five more, two of them with long names that a phone used to cut
# ("Nguyễn Gia …" for both).
NAMES = ["Lê Văn An", "Nguyễn Hoàng Gia Cường", "Trần Minh Châu", "Nguyễn Thị Gia Hoa", "Vũ Thị Hà"]
RATINGS = ["T", "H", "T", "C", "H", "T"]
SCORES = ["9", "7", "10", "4", "6", "8"]


@pytest.fixture
def class4a(world):
    pupils_join_4a(world, NAMES)
    return world


def marks(period="cuoi_nam", subject="toan"):
    rows = SubjectEvaluation.objects.filter(period=period, subject=subject).select_related("enrolment__pupil")
    return {r.enrolment.pupil.full_name: (r.rating, r.score) for r in rows}


def grid_url(base, world, period="cuoi_nam", sheet="toan"):
    return base + reverse("portal:grid", args=[world.class4a.pk, period, sheet])


def names_readable(page) -> list[str]:
    """The names that are cut (wider than their cell, or ellipsized); [] when every full name is readable."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#grid tbody th.name')).filter(th =>
        th.scrollWidth > th.clientWidth + 1 || getComputedStyle(th).textOverflow === 'ellipsis'
        || th.getBoundingClientRect().right > window.innerWidth).map(th => th.innerText)""")


def grid_names(page) -> list[str]:
    """The pupils' names in the grid's order (Vietnamese, by given name), without their numbers."""
    return [t.split(". ", 1)[1].split("\n")[0] for t in page.locator("#grid tbody th.name").all_inner_texts()]


def no_sideways(page) -> bool:
    """Neither the page nor the grid has been scrolled sideways, and nothing sticks out of the screen."""
    return fits_the_phone(page) and page.evaluate("document.querySelector('.grid-wrap').scrollLeft === 0 "
                                                  "&& window.scrollX === 0")


def in_view(page, locator) -> bool:
    box, bar = locator.bounding_box(), page.locator("#quick").bounding_box()
    return 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"] and box["y"] >= 0 \
        and box["y"] + box["height"] <= (bar["y"] if bar else PHONE["height"])


def poll(page, script: str, timeout_ms: int = 10_000):
    """The CSP blocks wait_for_function: evaluate ``script`` until it is truthy."""
    for _attempt in range(timeout_ms // 100):
        value = page.evaluate(script)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_ms} ms: {script}")


def test_phone_teacher_rates_and_scores_4a_toan_year_end_without_sideways_scrolling(live_server, class4a, new_context,
                                                                                   shot):
    world = class4a
    page = phone_page(new_context)
    log_in(page, live_server.url, "gvcn4a")
    page.goto(grid_url(live_server.url, world))
    page.wait_for_selector("#grid tbody tr")
    shot(page, "grid-on-a-phone", full_page=False)
    # The legend is folded; the first pupil's row is on screen, above the rating bar, without scrolling.
    assert page.evaluate("document.querySelector('details.legend').open") is False
    for first in (page.locator("#grid tbody th.name").first, cell(page, 0, "s:rating"), cell(page, 0, "s:score")):
        assert in_view(page, first)
    # Every name whole: "Nguyễn Hoàng Gia Cường" wraps, it is not cut to "Nguyễn Gia …".
    assert names_readable(page) == []
    texts = page.locator("#grid tbody th.name").all_inner_texts()
    assert any("Nguyễn Hoàng Gia Cường" in t for t in texts) and any("Nguyễn Thị Gia Hoa" in t for t in texts)
    rows = page.locator("#grid tbody tr").count()
    assert rows == 6

    # Ratings: one tap on the first pupil's cell, then one tap per pupil on the bar at the bottom of the screen.
    cell(page, 0, "s:rating").tap()
    bar = page.locator("#quick").bounding_box()
    assert bar["y"] + bar["height"] >= PHONE["height"] - 2 and bar["width"] >= PHONE["width"] - 2  # fixed at the bottom
    assert page.locator("#quick button", has_text="T").first.is_visible()
    for r, rating in enumerate(RATINGS):
        assert in_view(page, cell(page, r, "s:rating")), f"row {r} is not on screen"
        page.locator(f"#quick button:text-is('{rating}')").tap()
        assert no_sideways(page)
    shot(page, "rated-with-the-bar", full_page=False)

    # Scores: the bar becomes a number field; each score written and the next pupil selected.
    cell(page, 0, "s:score").tap()
    assert page.locator("#quick-input").is_visible()
    for r, score in enumerate(SCORES):
        assert in_view(page, cell(page, r, "s:score")), f"row {r}'s score is not on screen"
        page.fill("#quick-input", score)
        page.locator("#quick-save").tap()
        assert no_sideways(page)
    wait_saved(page)
    shot(page, "scored-and-saved", full_page=False)
    names = grid_names(page)
    assert marks() == {name: (RATINGS[r], int(SCORES[r])) for r, name in enumerate(names)}

    # A saved score is replaced, not appended to: a second tap opens it with its value selected.
    target = cell(page, 1, "s:score")
    target.tap()
    target.tap()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    wait_saved(page)
    assert marks()[names[1]][1] == 8
    # The header row stays in view when the grid scrolls (a short frame stands in for a long class).
    page.locator(".grid-wrap").evaluate("el => { el.style.maxHeight = '160px'; el.scrollTop = 120; }")
    head = page.locator("#grid thead th.h-score").bounding_box()
    wrap = page.locator(".grid-wrap").bounding_box()
    assert abs(head["y"] - wrap["y"]) <= 2
    page.locator(".grid-wrap").evaluate("el => { el.style.maxHeight = ''; el.scrollTop = 0; }")
    # On a touch screen the picker's button does not speak of F4.
    cell(page, 0, "s:comment").tap()
    pick = page.locator("#cell-info button.pick-phrase")
    assert pick.inner_text() == "Chọn lời nhận xét"
    assert fits_the_phone(page)


def test_undo_restores_a_replaced_rating_on_the_server_and_redo_puts_it_back(live_server, class4a, new_context, shot):
    world = class4a
    first = Enrolment.objects.get(pupil__full_name="Lê Văn An")
    subject_evaluation_set(enrolment=first, period="cuoi_nam", subject="toan", by=world.member.user, rating="T")
    page = phone_page(new_context)
    log_in(page, live_server.url, "gvcn4a")
    page.goto(grid_url(live_server.url, world))
    page.wait_for_selector("#grid tbody tr")
    cell(page, 0, "s:rating").tap()
    assert page.is_disabled("#undo")
    page.locator("#quick button:text-is('C')").tap()  # a slip of the thumb replaces the saved T
    wait_saved(page)
    assert marks()["Lê Văn An"][0] == "C"
    page.locator("#undo").tap()
    assert cell(page, 0, "s:rating").inner_text() == "T"
    wait_saved(page)
    shot(page, "undone", full_page=False)
    assert marks()["Lê Văn An"][0] == "T"
    assert "Đã hoàn tác 1 ô" in page.inner_text("#grid-notice")
    page.keyboard.press("Control+y")  # redo, from the keyboard
    wait_saved(page)
    assert marks()["Lê Văn An"][0] == "C"
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert marks()["Lê Văn An"][0] == "T"


def test_a_cell_the_server_refuses_shows_why_and_is_reverted(live_server, class4a, new_context, shot):
    """The class is locked (chốt) after the teacher opened the grid: the server refuses the change with its
    reason; the cell says so (never "sắp được lưu" for ever), "Hoàn tác" goes back to the saved value, and the
    refused value does not come back after a reload."""
    world = class4a
    first = Enrolment.objects.get(pupil__full_name="Lê Văn An")
    subject_evaluation_set(enrolment=first, period="cuoi_nam", subject="toan", by=world.member.user, rating="T")
    page = phone_page(new_context)
    log_in(page, live_server.url, "gvcn4a")
    page.goto(grid_url(live_server.url, world))
    page.wait_for_selector("#grid tbody tr")
    data_lock(school_year=world.year, school_class=world.class4a, by=world.owner.user)
    cell(page, 0, "s:rating").tap()
    page.locator("#quick button:text-is('H')").tap()
    refused = cell(page, 0, "s:rating")
    page.locator('#grid tbody tr:first-child td[data-col="s:rating"].st-error').wait_for()
    refused.tap()
    info = page.inner_text("#cell-info")
    assert "đã được chốt" in info
    state = page.locator("#sync-state")
    assert state.get_attribute("data-state") == "attention" and "sắp được lưu" not in state.inner_text()
    assert state.inner_text() != "Đã lưu tất cả"
    assert page.get_attribute("#unsent", "data-count") == "0"
    shot(page, "refused", full_page=False)
    page.locator("#cell-info button.revert").tap()
    assert refused.inner_text() == "T" and "st-error" not in refused.get_attribute("class")
    wait_saved(page)
    page.reload()
    page.wait_for_selector("#grid tbody tr")
    page.evaluate("window.hocbasoGrid.ready()")
    assert cell(page, 0, "s:rating").inner_text() == "T"
    assert "st-error" not in cell(page, 0, "s:rating").get_attribute("class")
    assert marks()["Lê Văn An"][0] == "T"


def test_the_comment_picker_inserts_at_the_cursor_once_and_keeps_the_teachers_phrases(live_server, class4a,
                                                                                     new_context, shot, fill_year):
    world = class4a
    for enrolment in world.class4a.enrolments.all():
        fill_year(enrolment, world.member.user)
    page = new_context().new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(grid_url(live_server.url, world, sheet="nhan_xet_cuoi_nam"))
    page.wait_for_selector("#grid tbody tr")
    assert page.evaluate("document.querySelector('details.legend').open") is True  # open on a desktop
    comment = cell(page, 0, "y:homeroom_comment")
    comment.click()
    page.keyboard.type("Chúc em nghỉ hè vui.")
    page.keyboard.press("Home")  # the cursor at the start
    page.keyboard.press("F4")
    page.wait_for_selector("#phrase-dialog[open] button.phrase")
    phrase = page.locator("#phrase-dialog button.phrase").first.inner_text()
    page.locator("#phrase-dialog button.phrase").first.click()
    page.keyboard.press("Enter")
    wait_saved(page)
    assert YearResult.objects.get(enrolment__pupil__full_name="Lê Văn An").homeroom_comment == \
        f"{phrase} Chúc em nghỉ hè vui."
    # The same phrase is not offered twice.
    comment.click()
    page.keyboard.press("F4")
    page.wait_for_selector("#phrase-dialog[open]")
    assert page.locator("#phrase-dialog button.phrase", has_text=phrase).first.is_disabled()
    # The teacher keeps a phrase of their own, then deletes it.
    page.fill("#phrase-new", "Em viết chữ đẹp, giữ vở sạch.")
    page.click("#phrase-keep")
    page.locator("#phrase-dialog button.phrase.own", has_text="Em viết chữ đẹp").wait_for()
    shot(page, "own-phrase", full_page=False)
    assert list(TeacherPhrase.objects.values_list("user__username", "sheet", "text")) == [
        ("gvcn4a", "nhan_xet_cuoi_nam", "Em viết chữ đẹp, giữ vở sạch.")]
    page.locator("#phrase-dialog button.phrase.own").click()
    page.keyboard.press("Enter")
    wait_saved(page)
    assert YearResult.objects.get(enrolment__pupil__full_name="Lê Văn An").homeroom_comment == \
        f"{phrase} Chúc em nghỉ hè vui. Em viết chữ đẹp, giữ vở sạch."
    page.reload()
    page.wait_for_selector("#grid tbody tr")
    cell(page, 1, "y:homeroom_comment").click()
    page.keyboard.press("F4")
    page.locator("#phrase-dialog button.phrase-delete").click()
    page.locator("#phrase-dialog button.phrase.own").wait_for(state="detached")
    assert page.locator("#phrase-dialog[open] button.phrase").count() > 0  # the school's phrases stay
    assert not TeacherPhrase.objects.exists()
    assert list(AuditEntry.objects.filter(target_type="teacher_phrase").values_list("action", flat=True)) == [
        "phrase.add", "phrase.delete"]


def test_a_grid_opened_once_works_offline_after_a_reload_and_a_restart_and_each_edit_is_sent_once(
        live_server, class4a, browser, tmp_path, shot):
    world = class4a
    profile = tmp_path / "profile"
    options = {"executable_path": CHROMIUM, "args": ARGS, "viewport": PHONE, "is_mobile": True, "has_touch": True,
               "locale": "vi-VN"}
    url = grid_url(live_server.url, world)
    last = Enrolment.objects.get(pupil__full_name="Nguyễn Thị Ánh Tuyết")

    context = browser.browser_type.launch_persistent_context(str(profile), **options)
    try:
        context.set_default_timeout(10_000)
        page = context.pages[0] if context.pages else context.new_page()
        log_in(page, live_server.url, "gvcn4a")
        # the app is installed (its worker active) before the teacher opens the grid, which it then keeps
        poll(page, "navigator.serviceWorker.getRegistration().then(r => !!(r && r.active))", 30_000)
        page.goto(url)
        page.wait_for_selector("#grid tbody tr")
        poll(page, "navigator.serviceWorker.controller !== null")
        page.wait_for_timeout(300)  # the worker keeps its copy of the page
        # Meanwhile someone writes a comment: the page reloaded offline is the copy kept, without it.
        subject_evaluation_set(enrolment=last, period="cuoi_nam", subject="toan", by=world.owner.user,
                               rating="H", comment="Ghi sau khi trang được lưu.")
        context.set_offline(True)
        page.reload()
        page.wait_for_selector("#grid tbody tr")
        page.evaluate("window.hocbasoGrid.ready()")
        names = grid_names(page)
        assert names[5] == "Nguyễn Thị Ánh Tuyết"
        shot(page, "reloaded-offline", full_page=False)
        assert cell(page, 5, "s:comment").inner_text() == ""
        cell(page, 0, "s:rating").tap()
        for rating in RATINGS[:5]:
            page.locator(f"#quick button:text-is('{rating}')").tap()
        cell(page, 0, "s:score").tap()
        for score in SCORES[:5]:
            page.fill("#quick-input", score)
            page.locator("#quick-save").tap()
        page.locator("#sync-state[data-state='offline']").wait_for(state="attached")
        assert page.get_attribute("#unsent", "data-count") == "10"
        page.evaluate("window.hocbasoGrid.persisted()")
        shot(page, "ten-values-waiting", full_page=False)
        # An uncached page without network: the Vietnamese offline page, not the browser's.
        page.goto(live_server.url + reverse("portal:summary", args=[world.class4a.pk, "giua_hk1"]))
        assert page.locator("#offline-page").is_visible() and "Không có kết nối mạng" in page.inner_text("h1")
        shot(page, "offline-page", full_page=False)
    finally:
        context.close()  # the phone is switched off
    assert set(marks()) == {"Nguyễn Thị Ánh Tuyết"}  # nothing of the 10 reached the server

    context = browser.browser_type.launch_persistent_context(str(profile), **options)
    try:
        context.set_default_timeout(10_000)
        page = context.pages[0] if context.pages else context.new_page()
        posts = []
        page.on("request", lambda r: posts.append(r.post_data_json) if r.method == "POST" and "/danh-gia/" in r.url
                else None)
        page.goto(url)
        page.wait_for_selector("#grid tbody tr")
        wait_saved(page)
        shot(page, "back-online-sent", full_page=False)
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert marks() == {**{name: (RATINGS[r], int(SCORES[r])) for r, name in enumerate(names[:5])},
                       "Nguyễn Thị Ánh Tuyết": ("H", None)}
    # Each of the 10 values once: one request, five rows of two values, each row saved once (revision 1), and
    # one audit entry naming each cell once.
    assert len(posts) == 1 and sum(len(e["values"]) for e in posts[0]["entries"]) == 10
    revisions = SubjectEvaluation.objects.filter(period="cuoi_nam", subject="toan").exclude(enrolment=last)
    assert sorted(revisions.values_list("revision", flat=True)) == [1] * 5
    cells = [c for e in AuditEntry.objects.filter(target_type="schoolclass", target_id=str(world.class4a.pk))
             for c in (e.after or {}) if not c.startswith(f"{last.pk}:")]
    assert len(cells) == 5 and len(set(cells)) == 5


def test_signing_out_with_unsent_changes_on_the_phone_asks_first(live_server, class4a, new_context):
    """The queue lives in IndexedDB now: the sign-out button still counts it and asks."""
    world = class4a
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_server.url, "gvcn4a")
    page.goto(grid_url(live_server.url, world))
    page.wait_for_selector("#grid tbody tr")
    context.set_offline(True)
    cell(page, 0, "s:rating").tap()
    page.locator("#quick button:text-is('T')").tap()
    page.evaluate("window.hocbasoGrid.persisted()")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#logout-form button")
    poll(page, "true")  # let the dialog come and go
    page.wait_for_timeout(300)
    assert asked and "chưa gửi" in asked[0]
    assert "/nhap/" in page.url  # still signed in, on the grid
