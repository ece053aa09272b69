"""The installable app: the manifest, the service worker at the site's root, the Vietnamese offline page, and the
security headers they keep (no inline script or style)."""

import json

from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from hocbaso.web.headers import CONTENT_SECURITY_POLICY


def test_the_manifest_names_the_app_in_vietnamese_with_its_icons(client):
    response = client.get(reverse("portal:manifest"))
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["name"], data["lang"], data["start_url"], data["display"]) == ("Học bạ số", "vi", "/", "standalone")
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        path = icon["src"].removeprefix(static(""))
        found = finders.find(path)
        assert found and open(found, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_service_worker_is_served_at_the_root_with_its_configuration(client):
    response = client.get(reverse("portal:service_worker"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert reverse("portal:service_worker") == "/sw.js"  # its scope covers every page
    assert response["Service-Worker-Allowed"] == "/" and response["Cache-Control"] == "no-cache"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    text = response.content.decode()
    config = json.loads(text.split("self.HOCBASO = ", 1)[1].split(";\n", 1)[0])
    assert static("portal/grid.js") in config["precache"] and reverse("portal:offline") in config["precache"]
    assert config["logout"] == reverse("portal:logout")
    assert "addEventListener(\"fetch\"" in text
    # the version follows the files it keeps: the same files, the same version
    assert client.get("/sw.js").content.decode() == text


def test_the_offline_page_is_vietnamese_public_and_carries_no_user(client, world):
    client.force_login(world.member.user)
    response = client.get(reverse("portal:offline"))
    text = response.content.decode()
    assert response.status_code == 200 and "Không có kết nối mạng" in text and '<html lang="vi">' in text
    assert "<script" not in text and "style=" not in text
    assert world.member.full_name not in text  # kept in a shared cache: nobody's name


def test_every_portal_page_links_the_manifest_and_names_the_worker(client, world):
    client.force_login(world.member.user)
    text = client.get(reverse("portal:home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("portal:manifest")}">' in text
    assert f'data-sw="{reverse("portal:service_worker")}"' in text
