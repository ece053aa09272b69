"""The dashboards' charts as SVG, drawn on the server by Vega-Altair and vl-convert: 320 pixels wide so that a
360-pixel phone shows them whole (they scale with the page, since SVG does), black text on white for printing."""

from hocbaso.reports.scopes import Dashboard
from hocbaso.reports.selectors import CAMPAIGN, CLASS_STEPS, OUTCOME_KEYS, OUTCOME_NAMES

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
    """The signing campaign of the page's whole scope: the share done at each step (of the classes for the lock
    and the packages, of the pupils for the signatures and issuance), one bar per step, the count written at its
    end."""
    import altair as alt  # deferred: Altair loads only when a chart is drawn

    tally = board.total
    values = []
    for (key, name), done in zip(CAMPAIGN, tally.campaign_row()):
        whole = tally.classes if key in CLASS_STEPS else tally.pupils
        values.append({"buoc": name, "phan_tram": round(100 * done / whole, 1) if whole else 0,
                       "nhan": f"{done}/{whole}"})
    steps = [name for _, name in CAMPAIGN]
    base = alt.Chart(alt.Data(values=values), title=f"Tiến độ ký và phát hành — {board.title}").encode(
        y=alt.Y("buoc:N", title=None, sort=steps),
        x=alt.X("phan_tram:Q", title="% hoàn thành", scale=alt.Scale(domain=[0, 100])),
    )
    bars = base.mark_bar(color="#1a7f37")
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="nhan:N")
    chart = (bars + text).properties(width=WIDTH - 120, height=26 * len(values))
    return _svg(_config(chart))


CHARTS = {"ket-qua": outcomes_chart, "tien-do": campaign_chart}
