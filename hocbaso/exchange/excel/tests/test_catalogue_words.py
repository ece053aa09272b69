"""The exchange's wording of the TT27 scales, periods and terms comes from ``tt27.catalogue``: the same words as
the literals it replaced, so no file, message or help text changed."""

import argparse
import importlib

from hocbaso.exchange.excel import layouts
from hocbaso.exchange.excel.sheets import read_outcome, read_rating, read_score
from hocbaso.exchange.excel.template_files import evaluations_template
from hocbaso.exchange.sector.services import TERMS


def test_rating_words_are_the_former_literals():
    assert layouts.SUBJECT_RATING_WORDS == {"t": "T", "h": "H", "c": "C", "hoan thanh tot": "T", "hoan thanh": "H",
                                            "chua hoan thanh": "C", "htt": "T", "ht": "H", "cht": "C"}
    assert layouts.TRAIT_RATING_WORDS == {"t": "T", "d": "\u0110", "c": "C", "tot": "T", "dat": "\u0110",
                                          "can co gang": "C", "ccg": "C"}


def test_problems_word_the_scales_as_before():
    assert read_rating("x", trait=True, what="Ô")[1] == (
        "Ô: mức đạt được «x» không hợp lệ; ghi T (Tốt), Đ (Đạt) hoặc C (Cần cố gắng).")
    assert read_rating("x", trait=False, what="Ô")[1] == (
        "Ô: mức đạt được «x» không hợp lệ; ghi T (Hoàn thành tốt), H (Hoàn thành) hoặc C (Chưa hoàn thành).")
    assert read_outcome("x")[1] == "Kết quả «x» không hợp lệ; ghi HTXS, HTT, HT hoặc CHT."
    assert read_score("11", "Toán")[1] == ("Điểm kiểm tra định kì môn Toán phải là số nguyên từ 0 đến 10 "
                                          "(đang ghi «11»).")
    assert read_score("10", "Toán") == (10, None) and read_score("0", "Toán") == (0, None)
    notes = [c.note for c in layouts.YEAR_COLUMNS if c.key == "plan_outcome"]
    assert notes == ["chỉ cho học sinh đánh giá theo KHGD cá nhân: HTXS, HTT, HT hoặc CHT"]


def test_template_help_words_the_scales_as_before():
    lines = [row[0] for row in evaluations_template()[layouts.SHEET_HELP].iter_rows(values_only=True)]
    assert "Môn học: mức đạt được T (Hoàn thành tốt), H (Hoàn thành), C (Chưa hoàn thành); điểm KTĐK là số nguyên " \
           "0–10, chỉ ở môn và thời điểm có bài kiểm tra định kì (TT27 Điều 7)." in lines
    assert "Phẩm chất, năng lực: T (Tốt), Đ (Đạt), C (Cần cố gắng). Có thể ghi chữ đầy đủ." in lines


def test_sector_terms_and_command_periods_are_the_former_literals():
    assert TERMS == {"1": "cuoi_hk1", "2": "cuoi_nam", "year": "cuoi_nam"}
    helps = {}
    for name in ("export", "import"):  # ``import`` is a keyword: the module is imported by name
        parser = argparse.ArgumentParser()
        importlib.import_module(f"hocbaso.exchange.management.commands.{name}").Command().add_arguments(parser)
        helps[name] = {a.dest: a for a in parser._actions}
    assert helps["export"]["period"].help == "Thời điểm: giua_hk1, cuoi_hk1, giua_hk2, cuoi_nam."
    assert helps["import"]["period"].help == "Thời điểm (cho evaluations): giua_hk1, cuoi_hk1, giua_hk2, cuoi_nam."
    assert list(helps["export"]["grade"].choices) == [1, 2, 3, 4, 5]
