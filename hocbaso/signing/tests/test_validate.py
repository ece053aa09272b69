"""validate_pdf on files that are not cleanly signed: unsigned, not a PDF, changed by a later revision."""

import io

import pytest

from hocbaso.signing.pades import SignJob
from hocbaso.signing.signers import BuiltinSigner
from hocbaso.signing.testing.pdfs import TEACHER_BOX, simple_pdf
from hocbaso.signing.validate import validate_pdf
from hocbaso.testing.people import TEACHER_PIN


def test_unsigned_pdf_has_no_signatures_and_is_not_altered():
    result = validate_pdf(simple_pdf())
    assert result["signatures"] == [] and not result["altered"] and not result["trusted"]


def test_not_a_pdf_raises():
    with pytest.raises(Exception):
        validate_pdf(b"hello, not a pdf")


def test_a_later_revision_that_changes_the_page_is_reported(pki):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with BuiltinSigner(pki.teacher, TEACHER_PIN, pepper=pki.ca.pepper) as teacher:
        signed = teacher.sign_batch([SignJob(simple_pdf(), "GVCN", box=TEACHER_BOX)])[0]
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 500 Td (Da sua diem) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    result = validate_pdf(out.getvalue(), trust_roots=[pki.ca.root_pem_path])
    [sig] = result["signatures"]
    assert sig["intact"] and sig["valid"]  # the signed revision itself is untouched...
    assert not sig["covers_whole_file"] and sig["modification_level"] == "OTHER"
    assert result["altered"]  # ...but what came after is not allowed
