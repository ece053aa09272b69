"""``hocbaso place-schools BẢNG.csv``: move every school of the installation to its new commune from 1/7/2025
(``directory.conversion``), and report each school it could not place."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.conversion import ConversionRefused, placements_apply, placements_plan, table_read
from hocbaso.directory.management.arguments import user_arg
from hocbaso.directory.models import TWO_LEVEL_GOVERNMENT_FROM


class Command(BaseCommand):
    help = ("Chuyển các trường sang xã/phường mới theo bảng chuyển đổi đơn vị hành chính (CSV: tỉnh, huyện, xã cũ → "
            "tỉnh, xã mới). In từng trường không xếp được và lý do; không thay đổi học bạ đã phát hành. "
            "Mã thoát 1 khi còn trường chưa xếp được.")

    def add_arguments(self, parser):
        parser.add_argument("table", help="Tệp CSV bảng chuyển đổi (UTF-8, có dòng tiêu đề; xem docs/architecture.md).")
        parser.add_argument("--since", default=TWO_LEVEL_GOVERNMENT_FROM.isoformat(),
                            help="Ngày các trường thuộc xã/phường mới (YYYY-MM-DD, mặc định 2025-07-01).")
        parser.add_argument("--by", help="Tài khoản thực hiện (ghi vào nhật ký); mặc định: hệ thống.")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ in kế hoạch, không ghi gì.")

    def handle(self, *args, table, since, by, dry_run, **options):
        try:
            since = dt.date.fromisoformat(since)
        except ValueError:
            raise CommandError(f"--since phải là ngày dạng YYYY-MM-DD, nhận được {since!r}.") from None
        user = user_arg(by)
        path = Path(table)
        if not path.is_file():
            raise CommandError(f"Không có tệp {table}.")
        try:
            rows = table_read(path.read_bytes())
        except ConversionRefused as refused:
            raise CommandError("Bảng chuyển đổi không đọc được, chưa ghi gì:\n" + "\n".join(refused.problems)) from None
        plan = placements_plan(rows, since=since)
        for code, row in sorted(plan.moves.items()):
            self.stdout.write(f"{code}  {plan.schools[code].name} → {row.new_commune_name}, {row.new_province_name}"
                              f" (dòng {row.number})")
        if not dry_run:
            try:
                placements_apply(plan, by=user)
            except ValidationError as error:
                raise CommandError("Không ghi được, chưa ghi gì: " + " ".join(error.messages)) from None
        verb = "Sẽ xếp" if dry_run else "Đã xếp"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {len(plan.moves)} trường vào xã/phường mới từ ngày {since:%d/%m/%Y}; "
            f"{len(plan.already)} trường đã có nơi trực thuộc từ ngày đó; {len(plan.unplaced)} trường chưa xếp được."))
        for code, reason in sorted(plan.unplaced.items()):
            school = plan.schools.get(code)
            self.stdout.write(f"CHƯA XẾP  {code}  {school.name if school else ''}: {reason}")
        if plan.unplaced:
            raise SystemExit(1)
