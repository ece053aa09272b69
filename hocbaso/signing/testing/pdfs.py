"""Small PDFs to sign, made with pikepdf (no dependency on the học bạ renderer)."""

import io

import pikepdf

A4 = (595.28, 841.89)
# where the two signature boxes sit on the last page, as (page, x1, y1, x2, y2) in points, origin bottom-left
TEACHER_BOX = (2, 56.7, 368.1, 295.1, 441.8)
PRINCIPAL_BOX = (2, 311.6, 368.1, 549.9, 441.8)


def simple_pdf(pages: int = 2, *, title: str = "Hoc ba so - mau thu", xref_stream: bool = False,
               seed: int = 0) -> bytes:
    """A plain ``pages``-page A4 PDF with a little text on each page (Helvetica, ASCII).

    ``xref_stream`` writes a cross-reference stream (PDF 1.5+) instead of a classic table, so that both
    kinds of incremental update are exercised. ``seed`` varies the text, hence the bytes.
    """
    pdf = pikepdf.new()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    for number in range(1, pages + 1):
        text = f"{title} - trang {number} / {pages} - ban {seed}"
        content = (f"BT /F1 14 Tf 72 780 Td ({text}) Tj ET\n"
                   f"0.5 w 56.7 368.1 238.4 73.7 re S 311.6 368.1 238.3 73.7 re S\n").encode("ascii")
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, *A4],
                                  Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
                                  Contents=pdf.make_stream(content))
        pdf.pages.append(pikepdf.Page(page))
    pdf.docinfo["/Title"] = title
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=(pikepdf.ObjectStreamMode.generate if xref_stream
                                      else pikepdf.ObjectStreamMode.disable),
             deterministic_id=True)
    return out.getvalue()
