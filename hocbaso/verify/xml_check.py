"""The record in XML for verification (docs/record-xml.md): the XAdES signatures of a bare signed XML or of the
one inside a PDF, each reported (person or seal, role, time, intact, trusted), and an issued record's signed
XML. The verdict on an uploaded XML is ``files.file_check``'s."""

from hocbaso.core.files import file_read
from hocbaso.records.models import IssuedRecord
from hocbaso.signing.validate import configured_trust_roots, load_roots
from hocbaso.signing.xades import xades_verify
from hocbaso.signing.xml_pdf import pdf_xml_read
from hocbaso.tt27.record_xml import XmlRecordError


def looks_like_xml(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:5]
    return head.startswith(b"<?xml") or head.startswith(b"<")


def xml_signatures(xml: bytes) -> list[dict]:
    """Every XAdES signature of a record XML, checked against the configured trust roots."""
    return xades_verify(xml, load_roots(configured_trust_roots()))


def pdf_xml_signatures(pdf: bytes) -> list[dict]:
    """The XAdES signatures of the record XML inside a PDF (none when it carries no XML or an unreadable one)."""
    xml = pdf_xml_read(pdf)
    if xml is None:
        return []
    try:
        return xml_signatures(xml)
    except XmlRecordError:
        return []


def issued_xml(issued: IssuedRecord) -> bytes | None:
    """The signed XML of an issued record (from inside its PDF), or ``None`` for one issued before the XML."""
    return pdf_xml_read(file_read(issued.pdf))
