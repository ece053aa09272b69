from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import class_arg, school_year_arg, user_arg
from hocbaso.records.locks import data_lock, data_lock_due


class Command(BaseCommand):
    help = "Chốt dữ liệu một lớp hoặc cả trường; --due: chốt mọi năm học đã qua ngày chốt dữ liệu."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="Mã trường (8 chữ số).")
        parser.add_argument("--year", help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--class", dest="class_name", help="Tên lớp, ví dụ 4A; bỏ trống để chốt cả trường.")
        parser.add_argument("--by", help="Tên đăng nhập của người chốt (hiệu trưởng).")
        parser.add_argument("--due", action="store_true", help="Chốt tự động các năm học đã đến ngày chốt.")

    def handle(self, *args, school, year, class_name, by, due, **options):
        if due:
            locks = data_lock_due()
            self.stdout.write(f"Đã chốt tự động {len(locks)} năm học.")
            return
        if not (school and year):
            raise CommandError("Cần --school và --year (hoặc --due).")
        school_year = school_year_arg(school, year)
        user = user_arg(by)
        school_class = class_arg(school_year, class_name) if class_name else None
        lock = data_lock(school_year=school_year, school_class=school_class, by=user)
        scope = f"lớp {class_name}" if class_name else "toàn trường"
        self.stdout.write(f"Đã chốt dữ liệu {scope}, năm học {year} (lúc {lock.locked_at:%d/%m/%Y %H:%M}).")
