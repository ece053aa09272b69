"""The fast pyHanko token readers give what pyHanko's own give: the same values, stream positions and errors."""

import io
import logging

import pytest
from pyhanko.pdf_utils import generic, misc

from hocbaso.signing.testing.pdfs import simple_pdf
from hocbaso.verify import pdfspeed


@pytest.fixture
def fast():
    pdfspeed.install()
    yield
    pdfspeed.uninstall()


def outcome(function, *args):
    try:
        return ("ok", function(*args))
    except Exception as error:  # the error's kind is part of the contract
        return ("error", type(error).__name__)


def read_with(reader, data: bytes, at: int = 0):
    stream = io.BytesIO(data)
    stream.seek(at)
    result = outcome(reader, stream)
    return result, stream.tell()


HEX = [b"<48656c6c6f>", b"<48 65\n6c\r6c\t6f>", b"<486>", b"<>", b"< >", b"<4865%comment\n6c>", b"<48zz>",
       b"<4865", b"<48656c6c6f> 12 0 R", b"<FEFF0041>", b"<" + b"0a1B" * 20000 + b">trailer",
       b"<48\x0065>"]


@pytest.mark.parametrize("data", HEX)
def test_hex_strings(data, fast):
    original = generic.read_hex_string_from_stream.original
    assert read_with(generic.read_hex_string_from_stream, data) == read_with(original, data)


UNTIL = [(b"abc def", None), (b"Type/Page", None), (b"12345", None), (b"", None), (b"abc", 2), (b"abc", 3),
         (b"abc", 5), (b"a b", 5), (b"x" * 300 + b" y", None), (b"500]", None), (b"abc%def", None)]


@pytest.mark.parametrize("data,maxchars", UNTIL)
@pytest.mark.parametrize("chars", [misc.PDF_WHITESPACE, misc.PDF_WHITESPACE + misc.PDF_DELIMITERS])
def test_read_until_class(data, maxchars, chars, fast):
    original = misc._read_until_class.original

    def run(function):
        stream = io.BytesIO(data)
        return function(chars, stream, maxchars=maxchars), stream.tell()

    assert run(misc._read_until_class) == run(original)


NAMES = [b"Type", b"Page", b"A#20B", b"A#2", b"Caf\xc3\xa9", b"\xe9", b"", b"Name-With.Dots_1", b"a\x7f"]


@pytest.mark.parametrize("name", NAMES)
def test_names(name, fast):
    assert outcome(generic._decode_name, name) == outcome(generic._decode_name.original, name)


def test_install_is_idempotent_and_uninstall_restores():
    before = (generic.read_hex_string_from_stream, misc._read_until_class, generic._decode_name)
    pdfspeed.install()
    pdfspeed.install()
    assert generic.read_hex_string_from_stream.original is before[0]
    pdfspeed.uninstall()
    assert (generic.read_hex_string_from_stream, misc._read_until_class, generic._decode_name) == before


def test_validation_reports_are_the_same(db, tmp_path):
    """A real two-signature PDF, intact and with one byte changed, validated with and without the readers."""
    from hocbaso.signing.ca import TITLE_PRINCIPAL, TITLE_TEACHER, CertificateAuthority
    from hocbaso.signing.pades import SignJob
    from hocbaso.signing.signers import BuiltinSigner
    from hocbaso.signing.testing.pdfs import PRINCIPAL_BOX, TEACHER_BOX
    from hocbaso.signing.validate import validate_pdf

    ca = CertificateAuthority.create(tmp_path / "pki", b"passphrase", pepper=b"pepper")
    teacher = ca.issue_person("t", full_name="Lê Thị Hoa", title=TITLE_TEACHER, organisation="Trường A", pin="1111")
    principal = ca.issue_person("p", full_name="Đoàn Trung Quế", title=TITLE_PRINCIPAL, organisation="Trường A",
                                pin="2222")
    signed = []
    with BuiltinSigner(teacher, "1111", pepper=b"pepper") as first, \
            BuiltinSigner(principal, "2222", pepper=b"pepper") as second:
        for source in (simple_pdf(), simple_pdf(xref_stream=True, seed=1)):
            [pdf] = first.sign_batch([SignJob(source, "GVCN", box=TEACHER_BOX)])
            [pdf] = second.sign_batch([SignJob(pdf, "HT", box=PRINCIPAL_BOX)])
            signed.append(pdf)
    at = signed[0].index(b"Hoc ba so") + 2
    broken = signed[0][:at] + bytes([signed[0][at] ^ 1]) + signed[0][at + 1:]
    logging.disable(logging.CRITICAL)
    try:
        for data in (*signed, broken):
            slow = validate_pdf(data, [ca.root_pem_path])
            pdfspeed.install()
            try:
                quick = validate_pdf(data, [ca.root_pem_path])
            finally:
                pdfspeed.uninstall()
            assert quick == slow
    finally:
        logging.disable(logging.NOTSET)
    assert not slow["signatures"][0]["intact"]
