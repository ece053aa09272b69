#!/usr/bin/env bash
# Page images of học bạ PDFs for a reviewer to look at, in out/pictures/ (git-ignored).
#
#   scripts/record-pictures.sh          a grade-5 pupil-year (issued: record id, lookup code, QR, award,
#                                       completion of primary school), the same year with long comments,
#                                       and a whole primary history (cover, identity page, quá trình học
#                                       tập, five year pages, one of them at another school after a transfer)
#   scripts/record-pictures.sh --demo   also a record and the history of a pupil of the demo school, from a
#                                       demo database built in a temporary HOCBASO_DATA_DIR (about 30 s)
#
# Each PDF is kept next to its pages: <name>.pdf, <name>-1.png, <name>-2.png, ... (pdftoppm -r 80).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT="$ROOT/out/pictures"
PY="$ROOT/.venv/bin/python"
DEMO=0
for arg in "$@"; do
  case "$arg" in
    --demo) DEMO=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done
command -v pdftoppm >/dev/null || { echo "pdftoppm is missing (apt-get install poppler-utils)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.pdf

export DJANGO_SETTINGS_MODULE=hocbaso.settings OUT DEMO
if [ "$DEMO" = 1 ]; then
  HOCBASO_DATA_DIR=$(mktemp -d /tmp/hocbaso-pictures-XXXXXX)
  export HOCBASO_DATA_DIR
  trap 'rm -rf "$HOCBASO_DATA_DIR"' EXIT
  unset DATABASE_URL
fi

"$PY" - <<'PYTHON'
import copy
import os
from pathlib import Path

import django

django.setup()
from hocbaso.documents import Renderer
from hocbaso.tt27.tests.factories import subject_entries, valid_record

out = Path(os.environ["OUT"])
URL = "https://hocbaso.example.vn/tra-cuu/{lookup_code}/"
renderer = Renderer()


def sample(grade: int, school_year: str, **changes) -> dict:
    record = valid_record(grade=grade, school_year=school_year, class_name=f"{grade}A")
    record["pupil"].update(full_name="Nguyễn Thị Ánh Tuyết", identity_number="067214001234",
                           birth_date="2014-09-02", registry_number="15/2020")
    record["subjects"] = subject_entries(grade, score=9)
    for entry in record["subjects"]:
        entry["comment"] = "Em học tốt, tích cực xây dựng bài."
    record.update(homeroom_teacher="Lê Thị Hoa", principal="Đoàn Trung Quế", height_cm=120 + 4 * grade,
                  weight_kg=20 + 2.5 * grade, days_absent={"excused": 1, "unexcused": 0},
                  homeroom_comment="Em ngoan, lễ phép, chăm chỉ; có ý thức tự học và giúp đỡ bạn bè.",
                  outcome="HTXS", award="hoc_sinh_xuat_sac", completed_grade=True,
                  completed_primary=True if grade == 5 else None)
    record.update(changes)
    return record


year5 = sample(5, "2024-2025")
year5["issuance"] = {"record_id": "67000101-2425-7KQ2M9XD4RP00001", "lookup_code": "7KQ2-M9XD-4RP",
                     "effective_date": "2025-06-01", "version": 1, "supersedes": None,
                     "issued_at": "2025-06-01T08:00:00+07:00"}
(out / "year.pdf").write_bytes(renderer.year(year5, verify_url=URL))

long = copy.deepcopy(year5)
for entry in long["subjects"][:4]:
    entry["comment"] = ("Em đọc lưu loát, diễn cảm; viết đúng chính tả, chữ viết đẹp; biết dùng từ đặt câu "
                        "đúng ngữ pháp, bài văn có bố cục rõ ràng. Cần mạnh dạn hơn khi trình bày trước lớp. ") * 2
long["homeroom_comment"] = ("Em ngoan, lễ phép, đoàn kết với bạn bè; chăm chỉ, có ý thức tự học; tích cực tham "
                            "gia các hoạt động của lớp và của trường; cần rèn thêm chữ viết và sự cẩn thận. ") * 3
(out / "year-long-comments.pdf").write_bytes(renderer.year(long, verify_url=URL))

years = [sample(g, f"{2019 + g}-{2020 + g}") for g in range(1, 6)]
for record in years[:3]:  # grades 1-3 at the first school
    record["school"] = {"code": "67000102", "name": "Trường Tiểu học Nguyễn Du", "district": "Huyện Đắk Song",
                        "province": "Tỉnh Đắk Nông"}
    record["principal"] = "Trần Văn Bình"
    record.update(outcome="HTT", award=None)
years[-1] = year5
moved = "2023-2024"  # the pupil transferred into Trung Vương for grade 4
history = [{"school_year": r["school_year"], "class_name": r["class_name"], "school_name": r["school"]["name"],
            "registry_number": "15/2020" if r["school_year"] < moved else "42/2023",
            "joined_on": "2020-09-05" if r["school_year"] < moved else "2023-08-20",
            "transferred_in": r["school_year"] == moved} for r in years]
(out / "history.pdf").write_bytes(renderer.history(years, history=history, verify_url=URL,
                                                   commune="Xã Trường Xuân"))

if os.environ.get("DEMO") == "1":
    from django.core.management import call_command

    from hocbaso.demo.builder import SCHOOL_CODE, SCHOOL_YEAR, demo_build
    from hocbaso.records.history import pupil_history_render
    from hocbaso.records.selectors import enrolments_for_records, record_build

    call_command("migrate", verbosity=0)
    demo_build()
    enrolment = (enrolments_for_records().filter(school_class__school_year__school__code=SCHOOL_CODE,
                                                 school_class__school_year__name=SCHOOL_YEAR,
                                                 school_class__name="5A").order_by("pk").first())
    (out / "demo-year.pdf").write_bytes(renderer.year(record_build(enrolment)))
    (out / "demo-history.pdf").write_bytes(pupil_history_render(pupil=enrolment.pupil))
PYTHON

for pdf in "$OUT"/*.pdf; do
  pdftoppm -r 80 -png "$pdf" "${pdf%.pdf}"
done
ls -1 "$OUT"
