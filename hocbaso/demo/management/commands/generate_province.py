import time

from django.core.management.base import BaseCommand, CommandError

from hocbaso.demo.province import province_generate
from hocbaso.directory.models import Province


class Command(BaseCommand):
    help = ("Tạo một tỉnh mẫu cỡ lớn cho phép đo trang thống kê: khoảng 120 xã/phường, 400 trường tiểu học, "
            "200.000 học sinh với đánh giá cuối năm và kết quả năm học (không dựng PDF, không ký số).")

    def add_arguments(self, parser):
        parser.add_argument("--code", default="90", help="Mã tỉnh (hai chữ số; mặc định 90).")
        parser.add_argument("--name", default="Tỉnh Thử Tải", help="Tên tỉnh.")
        parser.add_argument("--communes", type=int, default=120, help="Số xã/phường (mặc định 120).")
        parser.add_argument("--schools", type=int, default=400, help="Số trường (mặc định 400).")
        parser.add_argument("--pupils", type=int, default=200_000, help="Số học sinh (mặc định 200000).")
        parser.add_argument("--school-year", default="2025-2026", help="Năm học (mặc định 2025-2026).")
        parser.add_argument("--small", action="store_true",
                            help="Cỡ nhỏ để kiểm thử: 3 xã/phường, 6 trường, 300 học sinh.")

    def handle(self, *args, code, name, communes, schools, pupils, school_year, small, **options):
        if small:
            communes, schools, pupils = 3, 6, 300
        if Province.objects.filter(code=code).exists():
            raise CommandError(f"Đã có tỉnh mã {code}; chọn mã khác bằng --code.")
        if not (1 <= communes <= schools <= pupils // 5):
            raise CommandError("Cần 1 ≤ số xã/phường ≤ số trường và mỗi trường ít nhất 5 học sinh.")
        started = time.perf_counter()
        made = province_generate(code=code, name=name, communes=communes, schools=schools, pupils=pupils,
                                 school_year=school_year, progress=lambda message: self.stdout.write(f"  {message}"))
        self.stdout.write(self.style.SUCCESS(
            f"{name} (mã {code}): {made.communes} xã/phường, {made.schools} trường, {made.classes} lớp, "
            f"{made.pupils} học sinh, {made.evaluations} đánh giá — "
            f"xong trong {time.perf_counter() - started:.0f} giây."))
