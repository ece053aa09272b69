"""The học bạ PDF: every field in the template's order, the record inside, PDF/A-3 markers, same bytes twice."""

import copy
import io
import json
import shutil
import subprocess
import unicodedata

import pytest

from hocbaso.documents import (Renderer, extract_record, extract_records, render_history, render_many, render_year,
                               signature_boxes)
from hocbaso.tt27.tests.factories import valid_record

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")

URL = "http://127.0.0.1:8000/tra-cuu/7KQ2-M9XD-4RP/"


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.fixture
def record():
    record = valid_record(grade=4)
    record["pupil"].update(full_name="Nguyễn Thị Ánh Tuyết", identity_number="067314001234",
                           father_name="Nguyễn Văn Hùng", mother_name="Trần Thị Lan")
    record.update(homeroom_teacher="Lê Thị Hoa", principal="Đoàn Trung Quế", height_cm=132, weight_kg=29.5,
                  days_absent={"excused": 2, "unexcused": 0}, homeroom_comment="Em ngoan, chăm học.",
                  outcome="HTT", award=None, completed_grade=True, completed_primary=None)
    record["issuance"] = {"record_id": "67000101-2425-ABCDEFGH12345678", "lookup_code": "7KQ2-M9XD-4RP",
                          "effective_date": "2025-06-01", "version": 1, "supersedes": None,
                          "issued_at": "2025-06-01T08:00:00+07:00"}
    return record


def text_of(pdf: bytes, tmp_path, name="r.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_fields_appear_in_the_templates_order(renderer, record, tmp_path):
    text = " ".join(text_of(renderer.year(record, verify_url=URL), tmp_path).split())
    expected = ["UBND XÃ TRƯỜNG XUÂN", "TRƯỜNG TIỂU HỌC TRUNG VƯƠNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                "HỌC BẠ", "Họ và tên học sinh: Nguyễn Thị Ánh Tuyết", "Ngày sinh:", "Chiều cao: 132 cm",
                "Cân nặng: 29,5 kg", "Lớp: 4A", "Năm học: 2024-2025", "Mã định danh cá nhân:", "067314001234",
                "Số ngày nghỉ có phép: 2", "Mã số định danh học bạ:", "67000101-2425-ABCDEFGH12345678",
                "Mã số tra cứu học bạ:", "7KQ2-M9XD-4RP", "Ngày hiệu lực:", "01/06/2025", "Phiên bản:", URL,
                # pdftotext reads a table column by column: names, ratings, then the scores' column.
                "1. Các môn học và hoạt động giáo dục", "Môn học và hoạt động giáo dục", "Mức đạt được",
                "Tiếng Việt", "Toán", "Hoàn thành tốt (T)", "Điểm", "Nhận xét", "2. Những phẩm chất chủ yếu", "Yêu nước", "Trách nhiệm",
                "3. Những năng lực cốt lõi", "Năng lực chung", "Tự chủ và tự học", "Năng lực đặc thù", "Thể chất",
                "4. Đánh giá kết quả giáo dục:", "Hoàn thành tốt", "5. Khen thưởng:", "6. Hoàn thành chương trình",
                "Hoàn thành chương trình lớp 4",
                "XÁC NHẬN CỦA HIỆU TRƯỞNG", "GIÁO VIÊN CHỦ NHIỆM", "Đoàn Trung Quế", "Lê Thị Hoa"]
    position = 0
    for item in expected:
        found = text.find(item, position)
        assert found >= 0, f"{item!r} missing or out of order after position {position}"
        position = found + len(item)
    # The template has six sections: no "7. Nhận xét của giáo viên chủ nhiệm" (issue 19).
    assert "7. " not in text and "Nhận xét của giáo viên chủ nhiệm" not in text and "Em ngoan, chăm học." not in text


def test_sections_5_and_6_from_the_awards_the_supplementary_evaluation_and_the_decision(renderer, record, tmp_path):
    record = copy.deepcopy(record)
    record.update(outcome="CHT", completed_grade=False, award=None, awards=[
        {"kind": "dot_xuat", "title": "Giấy khen của Hiệu trưởng", "level": "Trường Tiểu học Trung Vương",
         "date": "2025-03-26", "reason": "Dũng cảm cứu bạn bị đuối nước."},
        {"kind": "cap_tren", "title": "Giấy khen", "level": "Sở Giáo dục và Đào tạo", "date": "2025-04-15",
         "reason": "Giải Nhất Viết chữ đẹp cấp tỉnh."}],
        supplementary_evaluation={"date": "2025-08-12", "subjects": [
            {"code": "toan", "rating": "C", "score": 4, "comment": "Cần cố gắng thêm."}],
            "qualities": [], "competences": [], "completed": False},
        principal_decision={"decision": "repeat", "date": "2025-08-20"})
    text = " ".join(text_of(renderer.year(record, verify_url=URL), tmp_path).split())
    section5 = text[text.index("5. Khen thưởng:"):text.index("6. Hoàn thành chương trình")]
    assert "Giấy khen của Hiệu trưởng (Trường Tiểu học Trung Vương, ngày 26/03/2025): Dũng cảm cứu bạn bị đuối nước." \
        in section5 and "Giấy khen (Sở Giáo dục và Đào tạo, ngày 15/04/2025)" in section5
    section6 = text[text.index("6. Hoàn thành chương trình"):text.index("XÁC NHẬN CỦA HIỆU TRƯỞNG")]
    for part in ("Đánh giá bổ sung ngày 12/08/2025: Toán: Chưa hoàn thành (C), điểm 4",
                 "Chưa hoàn thành chương trình lớp 4",
                 "Ở lại lớp lớp 4 (quyết định của Hiệu trưởng ngày 20/08/2025)"):
        assert part in section6, part
    completed = copy.deepcopy(record)
    completed.update(completed_grade=True, principal_decision=None, supplementary_evaluation={
        **record["supplementary_evaluation"], "completed": True,
        "subjects": [{"code": "toan", "rating": "H", "score": 6, "comment": ""}]})
    text = " ".join(text_of(renderer.year(completed, verify_url=URL), tmp_path).split())
    assert "Hoàn thành chương trình lớp 4 sau đánh giá bổ sung" in text and "Ở lại lớp" not in text


def test_an_exempted_subject_is_a_row_saying_so(renderer, record, tmp_path):
    record = copy.deepcopy(record)
    record.update(individual_plan=True, disability_class="class",
                  exempted_subjects=[{"code": "am_nhac", "basis": "Kế hoạch giáo dục cá nhân ngày 10/9/2024"}])
    record["subjects"] = [s for s in record["subjects"] if s["code"] != "am_nhac"]
    text = " ".join(text_of(renderer.year(record, verify_url=URL), tmp_path).split())
    assert "Miễn" in text and "Kế hoạch giáo dục cá nhân ngày 10/9/2024" in text
    assert "Học lớp dành cho học sinh khuyết tật (Điều 8" in text


def test_ratings_are_written_in_words(renderer, record, tmp_path):
    text = text_of(renderer.year(record, verify_url=URL), tmp_path)
    assert "Hoàn thành tốt (T)" in text and "Tốt (T)" in text


def test_embedded_record_extracts_unchanged(renderer, record):
    assert extract_record(renderer.year(record, verify_url=URL)) == record


def test_same_data_gives_the_same_bytes(renderer, record):
    assert renderer.year(record, verify_url=URL) == Renderer().year(copy.deepcopy(record), verify_url=URL)


def test_pdfa3_markers_fonts_and_associated_file(renderer, record, tmp_path):
    import pikepdf

    pdf = renderer.year(record, verify_url=URL)
    path = tmp_path / "a.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tinos" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
    with pikepdf.open(path) as doc:
        meta = doc.open_metadata()
        assert meta.pdfa_status == "3B"
        intent = doc.Root.OutputIntents[0]
        profile = intent.DestOutputProfile
        assert str(intent.S) == "/GTS_PDFA1" and int(profile.N) == 3
        assert profile.read_bytes()[16:20] == b"RGB "  # an RGB ICC profile as the output intent
        spec = doc.Root.AF[0]
        assert str(spec.AFRelationship) == "/Data" and str(spec.F) == "hocbaso-record.json"
        assert str(spec.EF.F.Subtype) == "/application/json"


def test_text_is_nfc_even_from_decomposed_input(renderer, record, tmp_path):
    record["pupil"]["full_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    text = text_of(renderer.year(record, verify_url=URL), tmp_path)
    assert "Nguyễn Thị Ánh Tuyết" in text and unicodedata.normalize("NFC", text) == text


def test_typst_inputs_decode_to_the_values_given_even_where_orjson_refuses_them():
    from hocbaso.documents.render import _input_json

    # orjson writes the first; it refuses a lone surrogate and an integer beyond 64 bits (json.dumps then).
    for value in ({"name": "Trần Thị Ánh", "rows": [1, None, True, 2.5], "qr": '<svg d="M4 4h1"/>'},
                  {"comment": "\ud800"}, {"count": 2 ** 70}):
        assert json.loads(_input_json(value)) == value


def test_render_many_normalises_a_decomposed_record_text_and_decodes_like_json_loads(record):
    from hocbaso.documents.batches import _loads

    name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    decomposed = {**record, "pupil": {**record["pupil"], "full_name": name}}
    items = [(0, json.dumps(record, ensure_ascii=False), URL), (1, json.dumps(decomposed, ensure_ascii=False), URL)]
    (_k0, nfc_pdf, nfc_boxes), (_k1, nfd_pdf, nfd_boxes) = render_many(iter(items), workers=1, with_boxes=True,
                                                                       chunksize=1)
    assert nfd_pdf == nfc_pdf and nfd_boxes == nfc_boxes  # the batch of the decomposed text was normalised
    # orjson would turn an integer beyond 64 bits into a float and refuses 1e400: json.loads's values then.
    for text in ['{"a": 123456789012345678901234567890}', '{"a": -9223372036854775809}', '[1e400, 2.5, "x"]',
                 '{"b": [1, -0, 0.1, 1e-7, "Đoàn \\u00e1"]}']:
        assert _loads(text) == json.loads(text) and repr(_loads(text)) == repr(json.loads(text))


def test_long_comment_wraps_onto_more_lines_and_rows_stay_whole(renderer, record, tmp_path):
    import re

    record["subjects"][0]["comment"] = "Em đọc lưu loát, diễn cảm. " * 40
    path = tmp_path / "long.pdf"
    path.write_bytes(renderer.year(record, verify_url=URL))
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    right_edge = 595.28 - 1.5 / 2.54 * 72  # A4 less the 1.5 cm right margin
    words = [(float(x1), float(x2)) for x1, x2 in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', boxes)]
    assert words and max(x2 for _, x2 in words) <= right_edge + 0.5  # wrapped inside its column, not off the page
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert text.count("Em đọc lưu loát, diễn cảm.") == 40
    pages_with_it = [n for n, page in enumerate(boxes.split("<page ")[1:]) if ">lưu</word>" in page]
    assert len(pages_with_it) == 1  # the row stayed whole on one page


def test_not_yet_issued_record_says_so(renderer, record, tmp_path):
    del record["issuance"]
    text = text_of(renderer.year(record), tmp_path)
    assert text.count("Chưa phát hành") >= 3


def test_copy_stamp(renderer, record, tmp_path):
    text = text_of(renderer.year(record, verify_url=URL, copy_number=2), tmp_path)
    assert "BẢN SAO" in text and "Lần cấp: 2" in text


def test_signature_boxes_are_inside_the_page_and_side_by_side(renderer, record):
    pdf, boxes = renderer.year_with_boxes(record, verify_url=URL)
    assert boxes == signature_boxes(record, verify_url=URL)
    (tp, tx1, ty1, tx2, ty2), (pp, px1, py1, px2, _) = boxes["teacher"], boxes["principal"]
    # The official form: the principal's confirmation on the left, the homeroom teacher on the right.
    assert tp == pp and abs(ty1 - py1) < 1 and 0 < px1 < px2 < tx1
    assert 0 < tx1 < tx2 <= 595.3 and 0 < ty1 < ty2 <= 841.9 and ty2 - ty1 > 60


def test_whole_history_has_cover_school_history_and_every_year(record, tmp_path):
    third = json.loads(json.dumps(record))
    third.update(grade=3, class_name="3A", school_year="2023-2024")
    third["subjects"] = [s for s in valid_record(grade=3)["subjects"]]
    third.pop("issuance")
    third.update(outcome=None, award=None, completed_grade=None)
    history = [{"school_year": "2023-2024", "class_name": "3A", "school_name": "Trường Tiểu học Trung Vương",
                "registry_number": "15/2020", "joined_on": "2020-09-05"},
               {"school_year": "2024-2025", "class_name": "4A", "school_name": "Trường Tiểu học Trung Vương",
                "registry_number": "15/2020", "joined_on": "2020-09-05"}]
    pdf = render_history([record, third], history=history, verify_url=URL)
    text = " ".join(text_of(pdf, tmp_path).split())
    order = ["HỌC SINH TIỂU HỌC", "Dân tộc:", "Quê quán:", "Họ và tên cha:", "Nguyễn Văn Hùng", "QUÁ TRÌNH HỌC TẬP",
             "2023-2024", "HƯỚNG DẪN GHI HỌC BẠ", "NĂM HỌC 2023-2024", "NĂM HỌC 2024-2025"]
    table = text[text.index("QUÁ TRÌNH HỌC TẬP"):text.index("HƯỚNG DẪN GHI HỌC BẠ")]
    assert all(cell in table for cell in ("2023-2024", "3A", "2024-2025", "4A", "15/2020", "05/09/2020"))
    position = 0
    for item in order:
        position = text.find(item, position)
        assert position >= 0, item
    assert set(extract_records(pdf)) == {"2023-2024", "2024-2025"}
    assert extract_records(pdf)["2023-2024"] == third
    assert extract_record(pdf) == record


def test_extract_refuses_a_pdf_without_a_record():
    import typst

    plain = typst.compile(b"Hello")
    with pytest.raises(ValueError, match="không chứa dữ liệu học bạ"):
        extract_record(plain)


def test_render_many_streams_items_to_two_workers_in_order(record, tmp_path):
    items = [(i, {**record, "pupil": {**record["pupil"], "full_name": f"Nguyễn Văn Số {i}"}}, URL) for i in range(5)]
    out = list(render_many(iter(items), workers=2, with_boxes=True, chunksize=2))
    assert [key for key, _pdf, _boxes in out] == [0, 1, 2, 3, 4]
    # The bytes depend on the items and the batch size, not on the number of processes.
    assert out == list(render_many(iter(items), workers=1, with_boxes=True, chunksize=2))
    # Batch sizes taken in turn, the last repeated ({0}, {1, 2}, {3, 4}); a record may come as its JSON text.
    planned = list(render_many(iter([(i, json.dumps(item), url) for i, item, url in items]), workers=2,
                               with_boxes=True, chunksize=[1, 2]))
    assert [extract_record(pdf) for _key, pdf, _boxes in planned] == [item for _i, item, _url in items]
    assert planned[0][1] == render_year(items[0][1], verify_url=URL)  # a batch of one
    assert planned[3:] == list(render_many(iter(items[3:]), workers=1, with_boxes=True, chunksize=2))
    assert planned[3][1] != out[3][1]  # out's batch was {2, 3}
    for (_key, pdf, boxes), (_i, item, url) in zip(out, items):
        alone = render_year(item, verify_url=url)
        assert text_of(pdf, tmp_path, "batch.pdf") == text_of(alone, tmp_path, "alone.pdf")  # the same pages
        assert extract_record(pdf) == item
        assert boxes == signature_boxes(item, verify_url=url)
    assert out[4][1] == render_year(items[4][1], verify_url=URL)  # a batch of one is compiled alone

    def failing():
        yield items[0]
        yield items[1]
        raise ValueError("bản ghi hỏng")

    with pytest.raises(ValueError, match="bản ghi hỏng"):  # raised by the items: reaches the caller
        list(render_many(failing(), workers=2, chunksize=1))


def test_a_batch_splits_into_one_file_per_record_with_its_own_pages_and_title(renderer, record, tmp_path):
    import pikepdf

    records = [{**record, "pupil": {**record["pupil"], "full_name": f"Trần Văn Số {i}"},
                "issuance": {**record["issuance"], "lookup_code": f"7KQ2-M9XD-{i}RP"}} for i in range(3)]
    records[1] = {**records[1], "subjects": [{**s, "comment": "Em chăm chỉ, ngoan ngoãn, giúp đỡ bạn bè. " * 6}
                                             for s in records[1]["subjects"]]}
    out = renderer.years([(r, URL, None) for r in records])
    assert [boxes for _pdf, boxes in out] == [signature_boxes(r, verify_url=URL) for r in records]
    ids = set()
    for (pdf, _boxes), item in zip(out, records):
        alone = renderer.year(item, verify_url=URL)
        text = text_of(pdf, tmp_path)
        assert text == text_of(alone, tmp_path, "alone.pdf")
        with pikepdf.open(io.BytesIO(pdf)) as doc, pikepdf.open(io.BytesIO(alone)) as ref:
            pages = len(doc.pages)
            assert pages == len(ref.pages) and f"Trang {pages} / {pages}" in text
            title = f"Học bạ - {item['pupil']['full_name']} - Lớp 4A - Năm học 2024-2025"
            assert str(doc.docinfo.Title) == title and doc.open_metadata()["dc:title"] == title
            meta = doc.open_metadata()
            assert meta["{http://ns.adobe.com/xap/1.0/t/pg/}NPages"] == str(pages)
            ids.add(meta["{http://ns.adobe.com/xap/1.0/mm/}DocumentID"])
            assert [str(spec.F) for spec in doc.Root.AF] == ["hocbaso-record.json"] == list(doc.attachments)
        assert extract_record(pdf) == item
    assert len(ids) == 3
    assert len(out[1][0]) > 0 and text_of(out[1][0], tmp_path).count("Trang 3 / 3") == 1  # the long one
    # The batch's footers say "Trang n / 2": the long record was compiled again on its own, the others were not.
    assert out[1][0] == renderer.year(records[1], verify_url=URL)
    assert out[0][0] != renderer.year(records[0], verify_url=URL) != out[2][0]
    assert [pdf for pdf, _ in renderer.years([(r, URL, None) for r in records])] == [pdf for pdf, _ in out]


def pixels(pdf: bytes, tmp_path, name: str) -> list[bytes]:
    """Every page rasterised by Poppler (greyscale, 60 dpi)."""
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.pgm"))]


def test_a_batch_record_looks_exactly_like_the_record_compiled_alone(renderer, record, tmp_path):
    """The batch document asks typst for no introspection (fixed footers, signature boxes as link annotations
    that the split reads and removes): the pages must still be the ones the introspecting template gives."""
    import pikepdf

    records = [{**record, "pupil": {**record["pupil"], "full_name": f"Phạm Minh Số {i}"},
                "issuance": {**record["issuance"], "lookup_code": f"9PQ4-M9XD-{i}RP"}} for i in range(3)]
    out = renderer.years([(r, URL, None) for r in records])
    for i, ((pdf, boxes), item) in enumerate(zip(out, records)):
        alone, alone_boxes = renderer.year_with_boxes(item, verify_url=URL)
        assert pdf != alone  # compiled in the batch (its fonts are the batch's subsets)
        assert boxes == alone_boxes
        pages = pixels(pdf, tmp_path, f"batch{i}")
        assert pages == pixels(alone, tmp_path, f"alone{i}") and len(pages) == 2
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert all("/Annots" not in page.obj for page in doc.pages)  # the boxes' links are gone


def test_sigbox_links_take_reads_and_removes_only_the_signature_boxes_links():
    import pikepdf

    from hocbaso.documents.split import sigbox_links_take

    def link(uri, rect):
        return pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=pikepdf.Array(rect),
                                  A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(uri)))

    with pikepdf.new() as doc:
        for _ in range(2):
            doc.add_blank_page()
        other = link("https://example.vn/", [10, 10, 20, 20])
        doc.pages[0].obj.Annots = pikepdf.Array([other, link("hocbaso-sigbox:teacher-0", [329.444, 403.551, 533.539,
                                                                                           321.349])])
        doc.pages[1].obj.Annots = pikepdf.Array([link("hocbaso-sigbox:principal-0", [75.905, 321.35, 280.01, 403.55])])
        assert sigbox_links_take(doc) == {"teacher-0": (1, 329.44, 321.35, 533.54, 403.55),
                                          "principal-0": (2, 75.91, 321.35, 280.01, 403.55)}
        assert [str(a.A.URI) for a in doc.pages[0].obj.Annots] == ["https://example.vn/"]
        assert "/Annots" not in doc.pages[1].obj


def test_batch_size_gives_every_worker_at_least_two_batches():
    from hocbaso.documents.batches import BATCH, batch_size

    assert batch_size(950, 2) == BATCH == 32  # a school: full batches
    assert batch_size(40, 2) == 10  # a class of 40 on two workers: four batches of 10
    assert batch_size(3, 2) == 1 and batch_size(1, 1) == 1 and batch_size(0, 2) == 1


def test_batch_plan_starts_and_ends_a_long_run_with_small_batches():
    from hocbaso.documents.batches import batch_plan

    plan = batch_plan(950, 2)  # a school on two workers
    assert sum(plan) == 950
    assert plan[:3] == [8, 8, 32] and plan[-4:] == [16, 16, 8, 8]  # one small batch per worker, two small rounds
    assert set(plan[2:-5]) == {32}
    assert batch_plan(40, 2) == [10, 10, 10, 10]  # a class: batch_size's batches only
    assert batch_plan(3, 2) == [1, 1, 1] and batch_plan(0, 2) == []
    assert batch_plan(100, 1) == [32, 32, 32, 4]  # one worker: nothing to wait for, full batches
    for count in range(0, 400, 7):
        assert sum(batch_plan(count, 2)) == count and sum(batch_plan(count, 4)) == count
