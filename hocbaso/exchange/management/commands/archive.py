"""``hocbaso archive``: the year-end archive of a school year, one self-describing ZIP."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import school_year_arg, user_arg
from hocbaso.exchange.archive.format import ArchiveRefused
from hocbaso.exchange.archive.write import archive_build


class Command(BaseCommand):
    help = ("Lưu trữ cuối năm: ghi một tệp ZIP gồm mọi học bạ đã phát hành (PDF và dữ liệu), sổ đăng ký, nhật ký "
            "thay đổi của trường, dữ liệu danh mục cần để khôi phục và manifest.json có mã băm SHA-256 của từng tệp.")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="Mã trường (8 chữ số).")
        parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")
        parser.add_argument("--out", required=True, help="Tệp lưu trữ ra (.zip).")
        parser.add_argument("--user", help="Tên đăng nhập người lập (ghi vào nhật ký).")

    def handle(self, *args, school, year, out, user, **options):
        school_year = school_year_arg(school, year)
        try:
            manifest = archive_build(school_year=school_year, out=Path(out), by=user_arg(user))
        except ArchiveRefused as refused:
            raise CommandError(str(refused)) from None
        counts = manifest["counts"]
        self.stdout.write(f"Đã ghi bản lưu trữ {out}: {counts['issued']} học bạ đã phát hành ({counts['current']} "
                          f"đang hiệu lực), {counts['pupils']} học sinh, {counts['classes']} lớp, "
                          f"{counts['audit_entries']} mục nhật ký, {len(manifest['files'])} tệp.")
        self.stdout.write(f"SHA-256: {manifest['sha256']}")
