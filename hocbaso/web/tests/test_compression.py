"""Compressed answers: brotli when accepted, else gzip; pages, JSON and static files; not what is compressed
already; Vary: Accept-Encoding."""

import gzip

import brotli
from django.urls import reverse

from hocbaso.web.compression import accepted_encodings


def test_accepted_encodings_reads_q_values():
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "br"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("identity") == set() and accepted_encodings("") == set()


def test_a_page_is_brotli_or_gzip_as_the_browser_accepts(client, world):
    client.force_login(world.member.user)
    url = reverse("portal:grid", args=[world.class4a.pk, "cuoi_nam", "toan"])
    plain = client.get(url)
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    br = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert br["Content-Encoding"] == "br" and b"</html>" in brotli.decompress(br.content)
    assert len(br.content) < len(plain.content) / 3 and int(br["Content-Length"]) == len(br.content)
    gz = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert gz["Content-Encoding"] == "gzip" and b"<html" in gzip.decompress(gz.content)


def test_static_files_are_compressed_and_keep_their_caching(client, db):
    answer = client.get("/static/portal/site.css", HTTP_ACCEPT_ENCODING="br")
    body = brotli.decompress(b"".join(answer.streaming_content) if answer.streaming else answer.content)
    assert answer.status_code == 200 and answer["Content-Encoding"] == "br" and b".card" in body
    assert "no-store" not in answer.get("Cache-Control", "")


def test_an_xlsx_download_is_not_compressed_again(client, world):
    client.force_login(world.owner.user)
    answer = client.get(reverse("exchange:export", args=[world.year.pk, "mau-danh-sach"]), HTTP_ACCEPT_ENCODING="br")
    assert answer.status_code == 200 and "Content-Encoding" not in answer
