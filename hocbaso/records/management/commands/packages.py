"""``hocbaso packages``: build the class packages that are missing (a batch killed after issuance), sealed by the
school."""

from django.core.management.base import BaseCommand, CommandError

from hocbaso.records.guards import require_principal
from hocbaso.records.management.options import add_pin_argument, add_scope_arguments, read_pin, scope
from hocbaso.records.packages import class_packages_missing_build, classes_missing_package
from hocbaso.signing.errors import SigningError
from hocbaso.signing.services import identity_for, signer_open


class Command(BaseCommand):
    help = ("Lập lại gói học bạ của các lớp đã phát hành mà chưa có gói (ví dụ lần phát hành bị ngắt giữa chừng); "
            "--check chỉ liệt kê, không cần PIN.")

    def add_arguments(self, parser):
        add_scope_arguments(parser, user_help="Tên đăng nhập của hiệu trưởng.")
        parser.add_argument("--check", action="store_true", help="Chỉ liệt kê các lớp thiếu gói học bạ.")
        add_pin_argument(parser, "seal-pin", "mã PIN con dấu của trường")

    def handle(self, *args, **options):
        school_year, school_class, user = scope(options)
        missing = list(classes_missing_package(school_year, school_class))
        if not missing:
            self.stdout.write("Mọi lớp đã phát hành đều có gói học bạ.")
            return
        names = ", ".join(c.name for c in missing)
        if options["check"]:
            self.stdout.write(f"Lớp thiếu gói học bạ: {names}.")
            raise CommandError(f"{len(missing)} lớp thiếu gói học bạ.", returncode=1)
        try:
            require_principal(user, school_year.school)
            seal = signer_open(identity_for(school=school_year.school),
                               read_pin(options, "seal_pin", "Mã PIN con dấu của trường: "))
            built = class_packages_missing_build(school_year=school_year, school_class=school_class, by=user,
                                                 seal_signer=seal)
        except SigningError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Đã lập {len(built)} gói học bạ: {names}.")
