"""``hocbaso submit``: collect a school year's latest sealed class packages to hand to the province office (Sở GD&ĐT)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import school_year_arg
from hocbaso.exchange.submission.services import SubmissionRefused, submission_collect


class Command(BaseCommand):
    help = ("Nộp học bạ lên Sở GD&ĐT: chép gói học bạ XML mới nhất (danh sách có đóng dấu số của trường) của từng "
            "lớp trong năm học vào một thư mục, kèm submission.json (danh sách gói, mã băm, số học bạ): cùng nội "
            "dung với tệp Gói nộp Sở GD&ĐT tải từ trang Dữ liệu.")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="Mã trường (8 chữ số).")
        parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--out", required=True, help="Thư mục ra.")

    def handle(self, *args, school, year, out, **options):
        school_year = school_year_arg(school, year)
        try:
            index = submission_collect(school_year=school_year, out=Path(out))
        except SubmissionRefused as error:
            raise CommandError(str(error)) from None
        total = sum(p["records"] for p in index["packages"])
        self.stdout.write(f"Đã chép {len(index['packages'])} gói học bạ ({total} học bạ) của {index['school_name']}, "
                          f"năm học {index['school_year']} vào {out}.")
        for package in index["packages"]:
            self.stdout.write(f"  Lớp {package['class_name']}: {package['records']} học bạ — {package['file']}")
        if index["missing"]:
            self.stdout.write(f"Các lớp chưa có gói học bạ: {', '.join(index['missing'])}.")
