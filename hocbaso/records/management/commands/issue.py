from django.core.management.base import BaseCommand, CommandError

from hocbaso.records.issuance import records_issue
from hocbaso.records.management.options import Progress, add_pin_argument, add_scope_arguments, read_pin, scope
from hocbaso.signing.errors import SigningError
from hocbaso.signing.services import identity_for, signer_open


class Command(BaseCommand):
    help = ("Phát hành các học bạ hiệu trưởng đã ký: ghi vào sổ đăng ký (mã định danh, mã tra cứu, ngày hiệu lực, "
            "mã băm SHA-256) và lập gói học bạ của từng lớp có đóng dấu số của trường.")

    def add_arguments(self, parser):
        add_scope_arguments(parser, user_help="Tên đăng nhập của hiệu trưởng.")
        parser.add_argument("--no-package", action="store_true", help="Không lập gói học bạ của lớp (không cần PIN con dấu).")
        add_pin_argument(parser, "seal-pin", "mã PIN con dấu của trường")

    def handle(self, *args, **options):
        school_year, school_class, user = scope(options)
        try:
            seal = None
            if not options["no_package"]:
                seal = signer_open(identity_for(school=school_year.school),
                                   read_pin(options, "seal_pin", "Mã PIN con dấu của trường: "))
            report = records_issue(school_year=school_year, by=user, seal_signer=seal, school_class=school_class,
                                   progress=Progress("Phát hành"))
        except SigningError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Đã phát hành {report.done} học bạ.")
