"""The public lookup: status for anyone with the code, the record only with the second factor."""

import re

import pytest
from django.urls import reverse

from hocbaso.verify.models import RecordLookup
from hocbaso.verify.services import mask_name


def test_mask_name():
    assert mask_name("Nguyễn Thị Ánh Tuyết") == "Nguyễn T. Á. Tuyết"
    assert mask_name("Y Đôn") == "Y Đ."
    assert mask_name("Hoàng Minh An") == "Hoàng M. An"


def test_qr_link_opens_the_status_page_with_a_masked_name(client, issue):
    issued = issue()
    page = client.get(reverse("verify:status", args=[issued.lookup_code]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Học bạ có hiệu lực" in text and "Nguyễn T. Á. Tuyết" in text and "Nguyễn Thị Ánh Tuyết" not in text
    assert "Lê Thị Hoa" in text and "Hiệu trưởng" in text and "01/06/2025" in text
    assert "02/09/2014" not in text and "067214001234" not in text


def test_typed_code_is_forgiving_and_redirects_to_the_canonical_link(client, issue):
    issued = issue()
    typed = issued.lookup_code.lower().replace("-", " ")
    page = client.get(reverse("verify:lookup"), {"ma": typed})
    assert page.status_code == 302 and page["Location"] == reverse("verify:status", args=[issued.lookup_code])


def test_mistyped_code_is_caught_by_the_check_symbol(client, issue):
    issued = issue()
    wrong = ("0" if issued.lookup_code[0] != "0" else "1") + issued.lookup_code[1:]
    page = client.get(reverse("verify:status", args=[wrong]))
    assert page.status_code == 404 and "kiểm tra lại từng ký tự" in page.content.decode()


def test_unknown_code(client, db):
    from hocbaso.records.codes import new_lookup_code

    page = client.get(reverse("verify:status", args=[new_lookup_code()]))
    assert page.status_code == 404 and "Không tìm thấy học bạ" in page.content.decode()


@pytest.mark.parametrize("factor, digits", [("02/09/2014", "1234"), ("2014-09-02", "067214001234"),
                                            (" 02/09/2014 ", " 1234 ")])
def test_right_second_factor_shows_the_record_and_allows_download(client, issue, factor, digits):
    issued = issue()
    page = client.post(reverse("verify:status", args=[issued.lookup_code]), {"xac_minh": factor, "so_cuoi": digits})
    assert page.status_code == 200 and "Nguyễn Thị Ánh Tuyết" in page.content.decode()
    pdf = client.get(reverse("verify:download", args=[issued.lookup_code]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_download_without_second_factor_is_refused(client, issue):
    issued = issue()
    page = client.get(reverse("verify:download", args=[issued.lookup_code]))
    assert page.status_code == 302 and page["Location"] == reverse("verify:status", args=[issued.lookup_code])


def test_wrong_birth_date_looks_exactly_like_a_wrong_code(client, issue):
    from hocbaso.records.codes import new_lookup_code

    issued = issue()
    wrong_factor = client.post(reverse("verify:status", args=[issued.lookup_code]),
                               {"xac_minh": "03/09/2014", "so_cuoi": "1234"})
    wrong_code = client.post(reverse("verify:status", args=[new_lookup_code()]),
                             {"xac_minh": "02/09/2014", "so_cuoi": "1234"})
    def strip(response):  # the CSRF tokens (of the language switch) are per request, not information
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    assert wrong_factor.status_code == wrong_code.status_code == 200
    assert "không đúng" in wrong_factor.content.decode()
    assert strip(wrong_factor) == strip(wrong_code)
    assert "Ánh Tuyết" not in wrong_factor.content.decode()
    assert client.get(reverse("verify:download", args=[issued.lookup_code])).status_code == 302


def test_superseded_and_withdrawn_status(client, issue, world):
    from hocbaso.records.models import RecordWithdrawal

    v1 = issue()
    v2 = issue(version=2, supersedes=v1)
    text = client.get(reverse("verify:status", args=[v1.lookup_code])).content.decode()
    assert "đã được thay thế bởi phiên bản 2" in text
    assert "Học bạ có hiệu lực" in client.get(reverse("verify:status", args=[v2.lookup_code])).content.decode()
    RecordWithdrawal.objects.create(issued_record=v2, reason="Nhầm học sinh", withdrawn_by=world.owner.user)
    assert "đã bị thu hồi" in client.get(reverse("verify:status", args=[v2.lookup_code])).content.decode()


def test_too_many_lookups_get_429_in_vietnamese(client, issue, settings):
    settings.VERIFY_LIMITS = {**settings.VERIFY_LIMITS, "status_burst": 3, "status_per_hour": 1}
    issued = issue()
    codes = [client.get(reverse("verify:status", args=[issued.lookup_code])).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    page = client.get(reverse("verify:status", args=[issued.lookup_code]))
    assert "quá nhiều lần" in page.content.decode()


def test_second_factor_is_limited_per_code_whatever_the_ip(client, issue, settings):
    settings.VERIFY_LIMITS = {**settings.VERIFY_LIMITS, "factor_code_all_burst": 2, "factor_code_all_per_day": 1}
    issued = issue()
    url = reverse("verify:status", args=[issued.lookup_code])
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert client.post(url, {"xac_minh": "01/01/2014", "so_cuoi": "1234"}, REMOTE_ADDR=ip).status_code == 200
    blocked = client.post(url, {"xac_minh": "02/09/2014", "so_cuoi": "1234"}, REMOTE_ADDR="10.0.0.3")
    assert blocked.status_code == 429  # even the right answer, once the code's budget is spent


def test_lookups_are_logged_without_personal_data(client, issue):
    issued = issue()
    client.get(reverse("verify:status", args=[issued.lookup_code]), REMOTE_ADDR="203.0.113.9")
    client.post(reverse("verify:status", args=[issued.lookup_code]), {"xac_minh": "x", "so_cuoi": "1234"},
                REMOTE_ADDR="203.0.113.9")
    entries = list(RecordLookup.objects.order_by("at"))
    assert [(e.kind, e.ok, e.school_code) for e in entries] == [("status", True, "67000199"), ("full", False, "67000199")]
    assert all("203.0.113.9" not in e.ip_hash for e in entries)


def test_principal_sees_the_lookup_log_teachers_do_not(client, issue, world):
    issued = issue()
    client.get(reverse("verify:status", args=[issued.lookup_code]))
    client.force_login(world.owner.user)
    page = client.get(reverse("verify:log"))
    assert page.status_code == 200 and issued.record_id in page.content.decode()
    client.force_login(world.member.user)
    assert client.get(reverse("verify:log")).status_code == 403
    client.force_login(world.outsider.user)
    assert client.get(reverse("verify:log")).status_code == 403


def test_a_guessed_birth_date_is_not_enough(client, issue):
    """Finding 6: the date of birth (365 guesses a year) needs the identity number's last 4 digits as well; the
    identity number alone (its first 6 digits follow from the province, sex and birth year) is not enough either."""
    issued = issue()
    url = reverse("verify:status", args=[issued.lookup_code])
    for form in ({"xac_minh": "02/09/2014"}, {"xac_minh": "02/09/2014", "so_cuoi": "4321"},
                 {"xac_minh": "067214001234"}, {"xac_minh": "", "so_cuoi": "1234"}):
        page = client.post(url, form, REMOTE_ADDR="198.51.100.20")
        assert "Ánh Tuyết" not in page.content.decode() and "không đúng" in page.content.decode(), form
    api = reverse("verify:api_full", args=[issued.lookup_code])
    assert client.post(api, {"birth_date": "2014-09-02"}, content_type="application/json",
                       REMOTE_ADDR="198.51.100.21").status_code == 404
    right = client.post(url, {"xac_minh": "02/09/2014", "so_cuoi": "1234"}, REMOTE_ADDR="198.51.100.22")
    assert "Nguyễn Thị Ánh Tuyết" in right.content.decode()


def test_the_public_status_no_longer_gives_the_birth_year(client, issue):
    """The class (its grade) and the school year gave the birth year: a third of the date of birth."""
    issued = issue()
    page = client.get(reverse("verify:status", args=[issued.lookup_code])).content.decode()
    assert issued.school_year in page and f"· {issued.class_name}" not in page and "2014" not in page
    api = client.get(reverse("verify:api_status", args=[issued.lookup_code])).json()
    assert "class_name" not in api and "2014" not in str(api)


def test_an_attackers_failures_do_not_lock_out_the_genuine_verifier(client, issue):
    """Before: five wrong tries from anyone spent the code's budget and the genuine verifier got 429. Now each
    address group has its own tries at a code; rotating addresses inside one IPv6 /64 does not bring new ones."""
    issued = issue()
    url = reverse("verify:status", args=[issued.lookup_code])
    answers = [client.post(url, {"xac_minh": "01/01/2014", "so_cuoi": "0000"},
                           REMOTE_ADDR=f"2001:db8:77:1::{n + 1:x}").status_code for n in range(7)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    genuine = client.post(url, {"xac_minh": "02/09/2014", "so_cuoi": "1234"}, REMOTE_ADDR="192.0.2.44")
    assert genuine.status_code == 200 and "Nguyễn Thị Ánh Tuyết" in genuine.content.decode()
