"""The bodies of a dashboard's long tables (a province has 120 communes and may list hundreds of late schools),
written here rather than in the template: the same markup, built with ``escape`` and ``join`` in a few
milliseconds where the template language takes about a hundred."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from hocbaso.reports.scopes import Dashboard


def _num(values, tag="td") -> str:
    return "".join(f'<{tag} class="num">{v}</{tag}>' for v in values)


def _date(day) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def outcome_rows(board: Dashboard) -> SafeString:
    """tbody and tfoot of the outcome table: per row (schools,) classes, pupils, pupils with disabilities, each
    outcome, each award, completion of primary."""
    office = board.office_level
    out = ["<tbody>"]
    for row in board.rows:
        t = row.tally
        label = f'<a href="{escape(row.url)}">{escape(row.label)}</a>' if row.url else escape(row.label)
        code = f"<br><small>{escape(row.code)}</small>" if row.code else ""
        out.append(f'<tr data-key="{escape(row.key)}"><td>{label}{code}</td>'
                   + _num(([row.schools] if office else []) + [t.classes, t.pupils, t.disability]
                          + t.outcome_row() + t.award_row() + [f"{t.completed_primary}/{t.grade5}"]) + "</tr>")
    out.append("</tbody>")
    if board.level != "lop":
        t = board.total
        out.append("<tfoot><tr><th>Tổng cộng</th>"
                   + _num(([len(board.schools)] if office else []) + [t.classes, t.pupils, t.disability]
                          + t.outcome_row() + t.award_row() + [f"{t.completed_primary}/{t.grade5}"], "th")
                   + "</tr></tfoot>")
    return mark_safe("".join(out))


def campaign_rows(board: Dashboard) -> SafeString:
    """tbody and tfoot of the campaign table: classes, pupils, each step's count, and at the office levels the
    earliest lock date and the late schools."""
    office = board.office_level
    out = ["<tbody>"]
    for row in board.rows:
        t = row.tally
        tail = (f"<td>{_date(row.deadline)}</td><td class=\"num{' late' if row.late else ''}\">{row.late}</td>"
                if office else "")
        out.append(f'<tr data-key="{escape(row.key)}"><td>{escape(row.label)}</td>'
                   + _num([t.classes, t.pupils, *t.campaign_row()]) + tail + "</tr>")
    t = board.total
    tail = f'<th></th><th class="num">{len(board.late)}</th>' if office else ""
    out.append("</tbody><tfoot><tr><th>Tổng cộng</th>" + _num([t.classes, t.pupils, *t.campaign_row()], "th")
               + tail + "</tr></tfoot>")
    return mark_safe("".join(out))


def late_rows(board: Dashboard) -> SafeString:
    """tbody of the late schools' table."""
    out = ["<tbody>"]
    for s in board.late:
        t = s.tally
        out.append(f'<tr data-school="{escape(s.code)}"><td><a href="{escape(s.url)}">{escape(s.name)}</a></td>'
                   f"<td>{escape(s.place.commune_name)}</td><td>{_date(s.deadline)}</td>"
                   + _num([t.classes, t.locked, t.packaged, t.received]) + "</tr>")
    out.append("</tbody>")
    return mark_safe("".join(out))
