"""``hocbaso export pupils|evaluations|summary|sector …`` and ``hocbaso export --template pupils|evaluations``."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import class_arg, school_year_arg
from hocbaso.directory.models import SchoolClass
from hocbaso.exchange.excel.evaluation_export import evaluations_workbook
from hocbaso.exchange.excel.pupil_export import pupils_workbook
from hocbaso.exchange.excel.summary import class_summary_workbook, school_summary_workbook
from hocbaso.exchange.excel.template_files import evaluations_template, pupils_template
from hocbaso.exchange.management.commands._common import period_arg
from hocbaso.exchange.sector.services import sector_export, sector_file_record, sector_workbook
from hocbaso.tt27 import catalogue


class Command(BaseCommand):
    help = ("Xuất danh sách học sinh, đánh giá, bảng tổng hợp của lớp hoặc dữ liệu gửi CSDL ngành ra tệp; "
            "--template xuất mẫu trống để nhập.")

    def add_arguments(self, parser):
        parser.add_argument("what", nargs="?", choices=["pupils", "evaluations", "summary", "sector"],
                            help="pupils | evaluations | summary | sector")
        parser.add_argument("--template", choices=["pupils", "evaluations"], help="Xuất mẫu trống có tiêu đề cột.")
        parser.add_argument("--school", help="Mã trường (8 chữ số).")
        parser.add_argument("--year", help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--class", dest="class_name", help="Một lớp, ví dụ 4A.")
        parser.add_argument("--period", help=f"Thời điểm: {', '.join(catalogue.PERIODS)}.")
        parser.add_argument("--grade", type=int, choices=catalogue.GRADES, help="Khối lớp cho mẫu đánh giá.")
        parser.add_argument("--term", choices=["1", "2", "year"], help="Cho sector: học kì 1, 2 hoặc cả năm (year).")
        parser.add_argument("--only-valid", action="store_true",
                            help="Cho sector: chỉ ghi học sinh có mã định danh đúng dạng.")
        parser.add_argument("--out", required=True, help="Tệp ra (.xlsx; sector: .json hoặc .xlsx). Khi xuất đánh "
                            "giá của nhiều lớp hoặc nhiều thời điểm: một thư mục.")

    def handle(self, *args, what, template, school, year, class_name, period, grade, term, only_valid, out,
               **options):
        out = Path(out)
        if template:
            workbook = pupils_template() if template == "pupils" else \
                evaluations_template(grade, period_arg(period, required=False))
            self._save(workbook, out)
            return
        if not what:
            raise CommandError("Cần chọn pupils, evaluations, summary, sector hoặc --template.")
        school_year = school_year_arg(school, year)
        if what == "pupils":
            if class_name:
                class_arg(school_year, class_name)
            self._save(pupils_workbook(school_year, class_name), out)
        elif what == "summary":
            period = period_arg(period)
            if class_name:
                self._save(class_summary_workbook(class_arg(school_year, class_name), period), out)
            else:
                self._save(school_summary_workbook(school_year, period), out)
        elif what == "evaluations":
            self._evaluations(school_year, class_name, period_arg(period, required=False), out)
        else:
            self._sector(school_year, term, only_valid, out)

    def _save(self, workbook, out: Path) -> None:
        if out.suffix.lower() != ".xlsx":
            raise CommandError(f"Tên tệp ra phải kết thúc bằng .xlsx: {out}")
        out.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(out)
        self.stdout.write(f"Đã ghi {out}.")

    def _evaluations(self, school_year, class_name, period, out: Path) -> None:
        if class_name and period and out.suffix.lower() == ".xlsx":
            self._save(evaluations_workbook(class_arg(school_year, class_name), period), out)
            return
        if out.suffix:
            raise CommandError("Xuất đánh giá nhiều lớp hoặc nhiều thời điểm cần --out là một thư mục "
                               "(mỗi lớp, mỗi thời điểm một tệp LỚP_THỜIĐIỂM.xlsx).")
        classes = [class_arg(school_year, class_name)] if class_name else \
            list(SchoolClass.objects.filter(school_year=school_year).order_by("grade", "name"))
        periods = [period] if period else list(catalogue.PERIODS)
        out.mkdir(parents=True, exist_ok=True)
        for school_class in classes:
            for each in periods:
                evaluations_workbook(school_class, each).save(out / f"{school_class.name}_{each}.xlsx")
        self.stdout.write(f"Đã ghi {len(classes) * len(periods)} tệp vào {out}.")

    def _sector(self, school_year, term, only_valid, out: Path) -> None:
        if not term:
            raise CommandError("Cần --term 1, 2 hoặc year.")
        export = sector_export(school_year=school_year, term=term, only_valid=only_valid)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".json":
            out.write_text(export.json() + "\n", encoding="utf-8")
        elif out.suffix.lower() == ".xlsx":
            sector_workbook(export).save(out)
        else:
            raise CommandError(f"Tên tệp ra phải kết thúc bằng .json hoặc .xlsx: {out}")
        sector_file_record(export, out.read_bytes(), channel="export.sector")
        written = len(export.document["thongtinsohocbasotieuhoc"])
        self.stdout.write(f"Đã ghi {out}: {written} học sinh.")
        sys.stderr.write(export.failures_text() + "\n")
        if export.failures:
            raise CommandError(f"{len(export.failures)} học sinh chưa có hoặc sai mã định danh cá nhân "
                               f"(tệp vẫn được ghi{', không gồm các học sinh này' if only_valid else ''}).",
                               returncode=1)
