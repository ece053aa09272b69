"""The dashboards' charts as SVG, drawn on the server by Vega-Altair and vl-convert: 320 pixels wide so that a
360-pixel phone shows them whole (they scale with the page, since SVG does), black text on white for printing."""

from hocbaso.reports.scopes import Dashboard
from hocbaso.reports.selectors import CAMPAIGN, OUTCOME_KEYS, OUTCOME_NAMES

WIDTH = 300
OUTCOME_COLOURS = ["#1a7f37", "#4c9be8", "#f2c744", "#d1242f", "#b8b8b8"]  # HTXS, HTT, HT, CHT, none
FONT = "DejaVu Sans, Arial, sans-serif"


def _svg(chart) -> str:
    import vl_convert  # deferred: vl-convert (a JavaScript engine) loads only when a chart is drawn

    return vl_convert.vegalite_to_svg(chart.to_json())


def _config(chart):
    return (chart.configure(font=FONT, background="white").configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11, labelLimit=130)
            .configure_legend(orient="bottom", columns=2, labelFontSize=11, titleFontSize=11, labelLimit=160))


def outcomes_chart(board: Dashboard) -> str:
    """Outcomes by grade (pupils studying), one stacked bar per grade."""
    import altair as alt  # deferred: Altair loads only when a chart is drawn

    values = []
    for grade, pupils, outcomes, _awards in board.total.grade_rows():
        for key, count in zip(OUTCOME_KEYS, outcomes):
            values.append({"khoi": f"Lớp {grade}", "ket_qua": OUTCOME_NAMES[key], "thu_tu": OUTCOME_KEYS.index(key),
                           "so_hoc_sinh": count})
    names = [OUTCOME_NAMES[k] for k in OUTCOME_KEYS]
    chart = alt.Chart(alt.Data(values=values), title=f"Kết quả giáo dục theo khối — {board.title}").mark_bar().encode(
        y=alt.Y("khoi:N", title=None, sort=None),
        x=alt.X("so_hoc_sinh:Q", title="Số học sinh", stack="zero"),
        color=alt.Color("ket_qua:N", title="Kết quả", scale=alt.Scale(domain=names, range=OUTCOME_COLOURS),
                        sort=names),
        order=alt.Order("thu_tu:Q"),
        tooltip=["khoi:N", "ket_qua:N", "so_hoc_sinh:Q"],
    ).properties(width=WIDTH, height=28 * 5)
    return _svg(_config(chart))


def campaign_chart(board: Dashboard) -> str:
    """The signing campaign: for each row (commune, school or class) the share done at each step, as a table of
    coloured cells with the percentage written in each."""
    import altair as alt  # deferred: Altair loads only when a chart is drawn

    steps = [name for _, name in CAMPAIGN]
    values = []
    for row in board.rows:
        tally = row.tally
        for (key, name), done in zip(CAMPAIGN, tally.campaign_row()):
            whole = tally.classes if key in ("locked", "packaged", "received") else tally.pupils
            share = round(100 * done / whole) if whole else 0
            values.append({"don_vi": row.label, "buoc": name, "phan_tram": share})
    labels = [row.label for row in board.rows]
    base = alt.Chart(alt.Data(values=values), title=f"Tiến độ ký và phát hành — {board.title}").encode(
        x=alt.X("buoc:N", title=None, sort=steps, axis=alt.Axis(orient="top", labelAngle=-40)),
        y=alt.Y("don_vi:N", title=None, sort=labels),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("phan_tram:Q", title="% hoàn thành", scale=alt.Scale(domain=[0, 100], scheme="greens")))
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("phan_tram:Q", format="d"),
        color=alt.condition("datum.phan_tram > 60", alt.value("white"), alt.value("black")))
    chart = (cells + text).properties(width=WIDTH - 130, height=max(18 * len(labels), 40))
    return _svg(_config(chart))


CHARTS = {"ket-qua": outcomes_chart, "tien-do": campaign_chart}
