"""The error pages: Vietnamese (English when chosen), the refusal's own reason, what to do; JSON for JSON."""

import pytest
from django.test import Client
from django.urls import reverse

from hocbaso.testing.people import login_as


def test_a_refusal_shows_the_reason_the_check_gave_in_the_portals_style(client, world):
    login_as(client, world, "member")  # the homeroom teacher may not export the school's pupil list
    answer = client.get(reverse("exchange:export", args=[world.year.pk, "danh-sach-hoc-sinh"]))
    text = answer.content.decode()
    assert answer.status_code == 403 and 'lang="vi"' in text and 'id="error-page"' in text
    assert "Xuất dữ liệu dành cho lãnh đạo nhà trường, văn thư và cán bộ quản lý." in text
    assert "Bạn không có quyền làm việc này" in text and "liên hệ hiệu trưởng" in text and "Forbidden" not in text


def test_english_when_english_is_chosen(client, world):
    login_as(client, world, "member")
    client.cookies["django_language"] = "en"
    text = client.get(reverse("exchange:export", args=[world.year.pk, "danh-sach-hoc-sinh"])).content.decode()
    assert 'lang="en"' in text and "You are not allowed to do this" in text
    assert "Exports are for the school's leaders" in text or "Xuất dữ liệu" not in text


def test_not_found_names_what_was_not_found(client, world):
    login_as(client, world, "member")
    text = client.get("/khong-co-trang-nay/").content.decode()
    assert "Không tìm thấy trang" in text and "Kiểm tra lại địa chỉ" in text and "Not Found" not in text
    answer = client.get(reverse("portal:class_detail", args=[999999]))
    assert answer.status_code == 404 and "Không tìm thấy lớp" in answer.content.decode()


def test_djangos_own_not_found_words_are_not_shown(rf, db):
    from django.http import Http404

    from hocbaso.web.errors import not_found

    request = rf.get("/x/", HTTP_ACCEPT="application/json")
    answer = not_found(request, Http404("No Staff matches the given query."))
    assert answer.status_code == 404 and "Staff" not in answer.content.decode()


def test_a_json_request_gets_the_reason_as_json(client, world):
    login_as(client, world, "member")
    answer = client.get(reverse("exchange:export", args=[world.year.pk, "danh-sach-hoc-sinh"]),
                        HTTP_ACCEPT="application/json")
    assert answer.status_code == 403 and answer.json()["error"].startswith("Xuất dữ liệu dành cho")


def test_a_refused_csrf_check_says_what_to_do(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member.user)
    answer = client.post(reverse("portal:logout"))
    text = answer.content.decode()
    assert answer.status_code == 403 and "Trang đã cũ, chưa gửi được" in text and "Tải lại trang" in text
    assert "CSRF" not in text and "Forbidden" not in text


@pytest.mark.django_db
def test_the_server_error_page_needs_no_database_and_is_vietnamese(client, settings):
    from hocbaso.web.errors import server_error
    from django.test import RequestFactory

    answer = server_error(RequestFactory().get("/"))
    text = answer.content.decode()
    assert answer.status_code == 500 and "Máy chủ gặp lỗi" in text and "Server Error" not in text
    assert answer["Content-Security-Policy"]


def test_favicon(client, db):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("web/favicon.ico")
    icon = client.get(answer["Location"])
    assert icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"
