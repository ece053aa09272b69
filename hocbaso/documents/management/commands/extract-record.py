import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.documents import extract_record, extract_records


class Command(BaseCommand):
    help = "In dữ liệu học bạ (hocbaso.record) đính kèm trong một tệp PDF học bạ."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp PDF học bạ.")
        parser.add_argument("--all", action="store_true", help="In mọi năm học đính kèm (tệp học bạ nhiều năm).")

    def handle(self, *args, file, all, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        try:
            data = path.read_bytes()
            found = extract_records(data) if all else extract_record(data)
        except Exception as error:
            raise CommandError(f"Không đọc được dữ liệu học bạ trong {file}: {error}") from None
        self.stdout.write(json.dumps(found, ensure_ascii=False, indent=2))
