"""A dashboard's numbers as an Excel workbook: the same rows and totals as the page, one sheet per table."""

import io

from hocbaso.reports.scopes import Dashboard
from hocbaso.reports.selectors import CAMPAIGN, OUTCOME_KEYS, OUTCOME_NAMES
from hocbaso.tt27 import catalogue

SUMMARY_HEAD = ["Đơn vị", "Mã", "Số trường", "Số lớp", "Số học sinh", "Học sinh khuyết tật",
                *(OUTCOME_NAMES[k] for k in OUTCOME_KEYS), *catalogue.AWARDS.values(),
                "Học sinh lớp 5", "Hoàn thành chương trình tiểu học"]
CAMPAIGN_HEAD = ["Đơn vị", "Mã", "Số lớp", "Số học sinh", *(name for _, name in CAMPAIGN),
                 *(f"{name}: ngày gần nhất" for _, name in CAMPAIGN), "Hạn chốt", "Số trường trễ hạn"]


def _summary(row_label, code, schools, tally) -> list:
    return [row_label, code, schools, tally.classes, tally.pupils, tally.disability, *tally.outcome_row(),
            *tally.award_row(), tally.grade5, tally.completed_primary]


def _campaign(row_label, code, tally, deadline, late) -> list:
    dates = tally.last
    return [row_label, code, tally.classes, tally.pupils, *tally.campaign_row(),
            *(d.replace(tzinfo=None) if d else None for d in dates), deadline, late]


def dashboard_workbook(board: Dashboard) -> bytes:
    """The workbook: Tổng hợp (the page's rows and total), Theo khối (outcomes and awards per grade), Tiến độ
    (the signing campaign with dates), and at the office levels Trường trễ hạn."""
    from openpyxl import Workbook  # deferred: openpyxl loads only for an Excel download
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    sheet.append([f"{board.title} — năm học {board.year}"])
    sheet.append(SUMMARY_HEAD)
    for row in board.rows:
        sheet.append(_summary(row.label, row.code, row.schools, row.tally))
    sheet.append(_summary("Tổng cộng", "", len(board.schools), board.total))
    grades = book.create_sheet("Theo khối")
    grades.append(["Khối", "Số học sinh", *(OUTCOME_NAMES[k] for k in OUTCOME_KEYS), *catalogue.AWARDS.values()])
    for grade, pupils, outcomes, awards in board.total.grade_rows():
        grades.append([f"Lớp {grade}", pupils, *outcomes, *awards])
    campaign = book.create_sheet("Tiến độ")
    campaign.append(CAMPAIGN_HEAD)
    for row in board.rows:
        campaign.append(_campaign(row.label, row.code, row.tally, row.deadline, row.late))
    campaign.append(_campaign("Tổng cộng", "", board.total, None, len(board.late)))
    if board.level in ("ca-nuoc", "tinh", "xa"):
        late = book.create_sheet("Trường trễ hạn")
        late.append(["Trường", "Mã trường", "Xã/phường", "Hạn chốt", "Số lớp", "Lớp đã chốt", "Gói đã lập",
                     "Gói đã nhận"])
        for school in board.late:
            tally = school.tally
            late.append([school.name, school.code, school.place.commune_name, school.deadline, tally.classes,
                         tally.locked, tally.packaged, tally.received])
    for ws in book.worksheets:
        for cell in ws[1 if ws.title != "Tổng hợp" else 2]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
