"""The JSON API mirrors the pages."""

import json

from django.urls import reverse


def test_status_api(client, issue):
    issued = issue()
    data = client.get(reverse("verify:api_status", args=[issued.lookup_code])).json()
    assert data["status"] == "current" and data["pupil_name_masked"] == "Nguyễn T. Á. Tuyết"
    assert "birth_date" not in json.dumps(data)


def test_full_api_needs_the_second_factor_and_fails_uniformly(client, issue):
    from hocbaso.records.codes import new_lookup_code

    issued = issue()
    url = reverse("verify:api_full", args=[issued.lookup_code])
    ok = client.post(url, {"birth_date": "2014-09-02", "identity_last4": "1234"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["record"]["pupil"]["full_name"] == "Nguyễn Thị Ánh Tuyết"
    wrong_factor = client.post(url, {"birth_date": "2014-09-03", "identity_last4": "1234"}, content_type="application/json")
    wrong_code = client.post(reverse("verify:api_full", args=[new_lookup_code()]), {"birth_date": "2014-09-02", "identity_last4": "1234"},
                             content_type="application/json")
    assert wrong_factor.status_code == wrong_code.status_code == 404
    assert wrong_factor.content == wrong_code.content


def test_file_check_matches_the_registry_at_once(client, issue):
    from django.core.files.storage import default_storage

    v1 = issue()
    issue(version=2, supersedes=v1)
    content = default_storage.open(v1.pdf).read()
    verdict = client.post(reverse("verify:api_file"), content, content_type="application/pdf").json()
    assert verdict["verdict"] == "authentic_superseded" and "phiên bản 2" in verdict["message"]


def test_file_check_refuses_a_non_pdf(client, db):
    verdict = client.post(reverse("verify:api_file"), b"PK\x03\x04 not a pdf", content_type="application/pdf").json()
    assert verdict["verdict"] == "not_pdf" and "không phải là tệp PDF" in verdict["message"]


def test_file_page_upload_of_a_non_pdf(client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(reverse("verify:file"), {"tep": SimpleUploadedFile("x.docx", b"hello")})
    assert page.status_code == 200 and "không phải là tệp PDF" in page.content.decode()


def test_too_large_upload_is_refused(client, db, settings):
    settings.VERIFY_MAX_UPLOAD = 100
    page = client.post(reverse("verify:api_file"), b"%PDF-" + b"0" * 200, content_type="application/pdf")
    assert page.status_code == 413 and "quá lớn" in page.json()["message"]


def test_openapi_describes_every_endpoint(client, db):
    spec = client.get(reverse("verify:api_openapi")).json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == {"/api/v1/records/{code}", "/api/v1/records/{code}/full",
                                  "/api/v1/records/{code}/xml", "/api/v1/records/{code}/pdf",
                                  "/api/v1/files/check"}
