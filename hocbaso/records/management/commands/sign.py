from django.core.management.base import BaseCommand, CommandError

from hocbaso.records.issuance import records_issue
from hocbaso.records.management.options import Progress, add_pin_argument, add_scope_arguments, read_pin, scope
from hocbaso.records.signatures import class_sign, school_sign, subject_signoff
from hocbaso.signing.errors import SigningError
from hocbaso.signing.services import identity_for, signer_open


class Command(BaseCommand):
    help = ("Ký số học bạ theo lô, một lần nhập PIN: --subject MÔN --class LỚP (giáo viên bộ môn ký kết quả môn), "
            "--class LỚP (giáo viên chủ nhiệm ký mọi học bạ của lớp), không có --class (hiệu trưởng ký và "
            "đóng dấu mọi học bạ GVCN đã ký của trường; --issue để phát hành luôn). Bị ngắt giữa chừng thì "
            "chạy lại: không học bạ nào bị ký hai lần hay bị bỏ sót.")

    def add_arguments(self, parser):
        add_scope_arguments(parser, user_help="Tên đăng nhập của người ký.")
        parser.add_argument("--subject", help="Mã môn học (ví dụ toan, ngoai_ngu_1) khi giáo viên bộ môn ký.")
        parser.add_argument("--issue", action="store_true", help="Hiệu trưởng: ký xong thì phát hành luôn.")
        add_pin_argument(parser)
        add_pin_argument(parser, "seal-pin", "mã PIN con dấu của trường")

    def handle(self, *args, **options):
        school_year, school_class, user = scope(options)
        staff = getattr(user, "staff", None)
        if staff is None:
            raise CommandError(f"Tài khoản {user.username} không gắn với cán bộ nào của trường.")
        try:
            identity = identity_for(staff=staff)
            if options["subject"]:
                if school_class is None:
                    raise CommandError("Cần --class khi ký kết quả môn học.")
                signer = signer_open(identity, read_pin(options))
                signoff = subject_signoff(school_class=school_class, subject=options["subject"], by=user,
                                          signer=signer)
                self.stdout.write(f"Đã ký xác nhận kết quả môn {options['subject']} lớp {school_class.name} "
                                  f"({len(signoff.payload['pupils'])} học sinh).")
                return
            if school_class is not None:
                signer = signer_open(identity, read_pin(options))
                report = class_sign(school_class=school_class, by=user, signer=signer,
                                    progress=Progress(f"Ký học bạ lớp {school_class.name}"))
                self.stdout.write(f"Giáo viên chủ nhiệm đã ký {report.done} học bạ lớp {school_class.name}.")
                return
            signer = signer_open(identity, read_pin(options), seal=True)
            seal = None
            if options["issue"]:
                seal = signer_open(identity_for(school=school_year.school),
                                   read_pin(options, "seal_pin", "Mã PIN con dấu của trường: "))
            report = school_sign(school_year=school_year, by=user, signer=signer,
                                 progress=Progress("Hiệu trưởng ký học bạ"))
            self.stdout.write(f"Hiệu trưởng đã ký và đóng dấu {report.done} học bạ.")
            if seal is not None:
                issued = records_issue(school_year=school_year, by=user, seal_signer=seal,
                                       progress=Progress("Phát hành"))
                self.stdout.write(f"Đã phát hành {issued.done} học bạ.")
        except SigningError as error:
            raise CommandError(str(error)) from None
