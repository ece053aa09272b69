import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.models import SchoolYear
from hocbaso.documents.services import school_records_render


class Command(BaseCommand):
    help = "Xuất PDF học bạ của cả trường (hoặc một lớp) vào một thư mục, dùng mọi nhân CPU."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="Mã trường (8 chữ số).")
        parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--class", dest="class_name", help="Chỉ xuất một lớp, ví dụ 4A.")
        parser.add_argument("--out", required=True, help="Thư mục ghi tệp PDF.")
        parser.add_argument("--workers", type=int, help="Số tiến trình (mặc định: số nhân CPU).")

    def handle(self, *args, school, year, class_name, out, workers, **options):
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
