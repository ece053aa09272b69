"""``hocbaso import pupils|evaluations FILE …``: import an .xlsx file, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import class_arg, school_year_arg, user_arg
from hocbaso.exchange.excel.evaluation_import import evaluations_import
from hocbaso.exchange.excel.pupil_import import pupils_import
from hocbaso.exchange.management.commands._common import period_arg
from hocbaso.tt27 import catalogue


class Command(BaseCommand):
    help = ("Nhập danh sách học sinh (pupils) hoặc đánh giá một lớp (evaluations) từ tệp Excel .xlsx. "
            "Tệp được kiểm tra toàn bộ trước; có lỗi thì không ghi gì và in danh sách lỗi.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["pupils", "evaluations"], help="pupils: danh sách học sinh; "
                            "evaluations: đánh giá một lớp cho một thời điểm.")
        parser.add_argument("file", help="Tệp .xlsx.")
        parser.add_argument("--school", required=True, help="Mã trường (8 chữ số).")
        parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--class", dest="class_name", help="Lớp (cho evaluations), ví dụ 4A.")
        parser.add_argument("--period", help=f"Thời điểm (cho evaluations): {', '.join(catalogue.PERIODS)}.")
        parser.add_argument("--by", help="Tên đăng nhập của người nhập (bắt buộc khi ghi; mọi thay đổi ghi tên "
                                         "người này vào nhật ký).")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra và xem trước, không ghi.")
        parser.add_argument("--json", action="store_true", help="In báo cáo dạng JSON.")

    def handle(self, *args, what, file, school, year, class_name, period, by, dry_run, json: bool, **options):
        school_year = school_year_arg(school, year)
        if not dry_run and not by:
            raise CommandError("Cần --by TÊN_ĐĂNG_NHẬP: mọi thay đổi được ghi tên người nhập (hoặc dùng --dry-run).")
        user = user_arg(by)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        if what == "pupils":
            report = pupils_import(school_year=school_year, file=path, by=user, dry_run=dry_run)
        else:
            school_class = class_arg(school_year, class_name)
            report = evaluations_import(school_class=school_class, period=period_arg(period), file=path, by=user,
                                        dry_run=dry_run)
        if json:
            self.stdout.write(_json(report.as_dict()))
        else:
            for problem in report.problems:
                self.stdout.write(f"- {problem}")
            for note in report.notes:
                self.stdout.write(f"  ({note})")
            self.stdout.write(report.summary())
        if report.problems:
            raise CommandError(f"Không nhập: {len(report.problems)} lỗi.", returncode=1)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
