import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.models import Enrolment, Pupil, SchoolYear
from hocbaso.records.drafts import school_records_render
from hocbaso.records.history import history_file_name, history_render, pupil_find, pupil_history


YEAR_PAGES_ONLY = ("Lưu ý: mỗi tệp chỉ gồm các trang của một năm học. Bìa, trang lí lịch, quá trình học tập và "
                   "hướng dẫn ghi học bạ nằm trong học bạ cả cấp của học sinh: hocbaso render --pupil <mã định danh>.")


class Command(BaseCommand):
    help = ("Xuất PDF các trang năm học của học bạ cả trường (hoặc một lớp) vào một thư mục, dùng mọi nhân CPU; "
            "hoặc với --pupil, học bạ cả cấp tiểu học của một học sinh (bìa, lí lịch, quá trình học tập, hướng dẫn "
            "ghi học bạ, mọi năm học) trong một tệp PDF.")

    def add_arguments(self, parser):
        parser.add_argument("--school", help="Mã trường (8 chữ số).")
        parser.add_argument("--year", help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--class", dest="class_name", help="Chỉ xuất một lớp, ví dụ 4A.")
        parser.add_argument("--pupil", help="Mã định danh cá nhân (hoặc mã học sinh trong hệ thống): xuất học bạ "
                                            "cả cấp (bìa, quá trình học tập, mọi năm học) thành một tệp PDF.")
        parser.add_argument("--history", action="store_true", help="Xuất học bạ cả cấp (cần --pupil).")
        parser.add_argument("--copy", type=int, dest="copy_number", help="Bản sao: số lần cấp (chỉ với --pupil).")
        parser.add_argument("--out", required=True,
                            help="Thư mục ghi tệp PDF; với --pupil có thể là tên tệp .pdf.")
        parser.add_argument("--workers", type=int, help="Số tiến trình (mặc định: số nhân CPU).")

    def handle(self, *args, school, year, class_name, pupil, history, copy_number, out, workers, **options):
        if pupil or history:
            if not pupil:
                raise CommandError("--history cần --pupil (mã định danh cá nhân của học sinh).")
            if school or year or class_name:
                raise CommandError("--pupil xuất mọi năm học của học sinh: không dùng kèm --school, --year, --class.")
            self._history(pupil, Path(out), copy_number)
            return
        if not school or not year:
            raise CommandError("Cần --school và --year (hoặc --pupil để xuất học bạ cả cấp của một học sinh).")
        if copy_number is not None:
            raise CommandError("--copy chỉ dùng với --pupil.")
        if not SchoolYear.objects.filter(school__code=school, name=year).exists():
            raise CommandError(f"Không tìm thấy năm học {year} của trường {school}.")
        tty = sys.stderr.isatty()

        def progress(done, total):
            if tty or done == total or done % 100 == 0:
                bar = "#" * int(30 * done / total)
                sys.stderr.write(f"\r[{bar:<30}] {done}/{total} học bạ")
                sys.stderr.flush()

        summary = school_records_render(school_code=school, school_year=year, class_name=class_name,
                                        out=Path(out), workers=workers, progress=progress)
        sys.stderr.write("\n")
        if not summary["records"]:
            raise CommandError("Không có học sinh nào để xuất.")
        self.stdout.write(f"Đã xuất {summary['records']} học bạ vào {summary['out']} trong {summary['seconds']:.1f} giây "
                          f"({summary['per_second']:.0f} học bạ/giây).")
        self.stdout.write(YEAR_PAGES_ONLY)

    def _history(self, ref: str, out: Path, copy_number: int | None) -> None:
        try:
            pupil = pupil_find(ref)
            records, history = pupil_history(pupil)
            pdf = history_render(pupil=pupil, records=records, history=history, copy_number=copy_number)
        except (Pupil.DoesNotExist, Enrolment.DoesNotExist) as error:
            raise CommandError(str(error)) from None
        path = out if out.suffix.lower() == ".pdf" else out / history_file_name(pupil)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        years = [record["school_year"] for record in records]
        self.stdout.write(f"Đã xuất học bạ cả cấp của {pupil.full_name} ({len(years)} năm học: {', '.join(years)}) "
                          f"vào {path}.")
