"""The record's QR code: the short byte-mode path gives exactly segno's symbol, module for module."""

import random
import re
import string

import segno

from hocbaso.documents.qr import QUIET_ZONE, _byte_mode_symbol, qr_matrix, qr_svg


def segno_rows(text: str, mask=0) -> list[bytes]:
    return [bytes(row) for row in segno.make(text, error="m", mask=mask, micro=False).matrix]


def test_the_short_path_gives_segnos_symbol_for_every_length_it_takes():
    rng = random.Random(27)
    alphabet = string.ascii_letters + string.digits + string.punctuation + " "
    texts = ["http://127.0.0.1:8000/tra-cuu/7KQ2-M9XD-4RP/", "https://hocba.sogddt.vn/tra-cuu/QECN-2R8W-NX2/", "a"]
    texts += ["".join(rng.choice(alphabet) for _ in range(length)) for length in range(1, 235) for _ in range(3)]
    versions, levels, fast = set(), set(), 0
    for text in texts:
        reference = segno.make(text, error="m", mask=0, micro=False)
        fast += _byte_mode_symbol(text) is not None
        assert [bytes(row) for row in qr_matrix(text)] == segno_rows(text), text
        versions.add(reference.version)
        levels.add(reference.error)
    assert fast >= 500  # most of them by the short path: versions 1 to 9 ...
    assert set(range(1, 10)) <= versions and {"M", "Q", "H"} <= levels  # ... at every boosted level
    assert max(versions) > 9  # and the longer ones through segno, still equal


def test_other_texts_and_masks_go_through_segno():
    for text in ("HTTPS://HOCBA.VN/TRA-CUU/7KQ2/", "0123456789", "Học bạ số", ""):
        assert _byte_mode_symbol(text) is None
    for text in ("HTTPS://HOCBA.VN/TRA-CUU/7KQ2/", "0123456789", "Học bạ số"):
        assert [bytes(row) for row in qr_matrix(text)] == segno_rows(text)
    url = "http://127.0.0.1:8000/tra-cuu/7KQ2-M9XD-4RP/"
    assert [bytes(row) for row in qr_matrix(url, mask=None)] == segno_rows(url, mask=None)


def test_the_svg_draws_every_dark_module_once_inside_the_quiet_zone():
    url = "http://127.0.0.1:8000/tra-cuu/7KQ2-M9XD-4RP/"
    svg = qr_svg(url)
    rows = segno_rows(url)
    side = len(rows) + 2 * QUIET_ZONE
    assert f'viewBox="0 0 {side} {side}"' in svg and svg == qr_svg(url)
    drawn = set()
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        for column in range(int(x), int(x) + int(width)):
            assert (column, int(y)) not in drawn
            drawn.add((column, int(y)))
    dark = {(j + QUIET_ZONE, i + QUIET_ZONE) for i, row in enumerate(rows) for j, module in enumerate(row) if module}
    assert drawn == dark
