"""The QR code printed on a học bạ page: the public verification URL of the record, as a small SVG."""

import segno

QUIET_ZONE = 4  # modules of empty margin around the symbol (ISO/IEC 18004 asks for 4)


def qr_svg(url: str, *, mask: int | None = 0) -> str:
    """An SVG whose black modules encode ``url`` (error correction M, at least), quiet zone included.

    The SVG is drawn as one path of horizontal runs, so the same URL always gives the same text.
    ``mask`` is fixed to pattern 0 by default: choosing the "best" of the eight patterns is most of
    segno's time (about 6 of 8 ms) and any pattern decodes; ``None`` lets segno choose.
    """
    code = segno.make(url, error="m", mask=mask, micro=False)
    size = len(code.matrix)
    runs = []
    for y, row in enumerate(code.matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    side = size + 2 * QUIET_ZONE
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')
