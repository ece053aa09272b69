import json

from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.models import Enrolment
from hocbaso.records.selectors import enrolment_for_pupil_year, record_build


class Command(BaseCommand):
    help = "In học bạ một năm học của một học sinh theo định dạng hocbaso.record/3 (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--pupil", required=True, help="Mã học sinh trong hệ thống hoặc mã định danh cá nhân (12 số).")
        parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")

    def handle(self, *args, pupil, year, **options):
        try:
            enrolment = enrolment_for_pupil_year(pupil, year)
        except Enrolment.DoesNotExist as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(record_build(enrolment), ensure_ascii=False, indent=2))
