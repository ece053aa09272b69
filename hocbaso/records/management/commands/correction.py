import json

from django.core.management.base import BaseCommand, CommandError

from hocbaso.records.corrections import correction_approve, correction_reject, correction_request
from hocbaso.records.management.options import add_scope_arguments, scope
from hocbaso.records.models import CorrectionRequest
from hocbaso.records.selectors import enrolment_for_pupil_year
from hocbaso.signing.errors import SigningError


class Command(BaseCommand):
    help = ("Điều chỉnh học bạ: request (giáo viên đề nghị), approve / reject (hiệu trưởng quyết định), "
            "list (các đề nghị của trường). Đề nghị được duyệt sau khi đã phát hành tạo phiên bản mới.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["request", "approve", "reject", "list"])
        add_scope_arguments(parser, user_help="Tên đăng nhập của người đề nghị hoặc người duyệt.")
        parser.add_argument("--pupil", help="Mã định danh cá nhân (hoặc số hiệu) của học sinh (request).")
        parser.add_argument("--field", help="Trường dữ liệu, ví dụ subjects.toan.score, homeroom_comment (request).")
        parser.add_argument("--value", help="Giá trị mới, dạng JSON (10, \"T\", \"Em chăm học.\") hoặc chữ (request).")
        parser.add_argument("--reason", help="Lý do đề nghị (request) hoặc lý do từ chối (reject).")
        parser.add_argument("--id", type=int, help="Số của đề nghị (approve, reject).")

    def handle(self, *args, **options):
        school_year, _, user = scope(options)
        action = options["action"]
        try:
            if action == "list":
                for c in CorrectionRequest.objects.filter(enrolment__school_class__school_year=school_year) \
                        .select_related("enrolment__pupil", "enrolment__school_class").order_by("pk"):
                    self.stdout.write(f"#{c.pk} [{c.get_status_display()}] {c.enrolment.pupil.full_name} "
                                      f"lớp {c.enrolment.school_class.name}: {c.field} {c.old_value!r} → "
                                      f"{c.new_value!r} — {c.reason}")
                return
            if action == "request":
                if not (options["pupil"] and options["field"] and options["value"] is not None):
                    raise CommandError("Cần --pupil, --field, --value và --reason.")
                try:
                    value = json.loads(options["value"])
                except json.JSONDecodeError:
                    value = options["value"]
                try:
                    enrolment = enrolment_for_pupil_year(options["pupil"], school_year.name)
                except Exception as error:
                    raise CommandError(str(error)) from None
                c = correction_request(enrolment=enrolment, field=options["field"], new_value=value,
                                       reason=options["reason"] or "", by=user)
                self.stdout.write(f"Đã gửi đề nghị điều chỉnh #{c.pk}: {c.field} {c.old_value!r} → {c.new_value!r}.")
                return
            correction = CorrectionRequest.objects.filter(
                pk=options["id"], enrolment__school_class__school_year=school_year).first()
            if correction is None:
                raise CommandError(f"Không có đề nghị điều chỉnh #{options['id']} trong năm học này.")
            if action == "approve":
                draft = correction_approve(correction=correction, by=user)
                if draft is None:
                    self.stdout.write(f"Đã duyệt #{correction.pk}; học bạ chưa phát hành nên sẽ được ký lại.")
                else:
                    self.stdout.write(f"Đã duyệt #{correction.pk}; phiên bản {draft.version} đang chờ ký "
                                      f"(mã định danh {draft.record_id}).")
            else:
                correction_reject(correction=correction, by=user, note=options["reason"] or "")
                self.stdout.write(f"Đã từ chối đề nghị #{correction.pk}.")
        except SigningError as error:
            raise CommandError(str(error)) from None
