"""``hocbaso copy``: cấp bản sao học bạ — the whole history marked BẢN SAO with its number, signed by the principal."""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import user_arg
from hocbaso.directory.models import Pupil, Staff
from hocbaso.exchange.copies.services import copy_issue
from hocbaso.records.history import pupil_find
from hocbaso.records.management.options import add_pin_argument, read_pin
from hocbaso.signing.errors import SigningError
from hocbaso.signing.services import identity_for, signer_open


class Command(BaseCommand):
    help = ("Cấp bản sao học bạ: toàn bộ quá trình học tập của học sinh, mỗi trang ghi \"BẢN SAO — Lần cấp: N\", "
            "hiệu trưởng ký số; bản sao được ghi sổ (số lần cấp, mã băm) và kiểm tra được như bản chính.")

    def add_arguments(self, parser):
        parser.add_argument("--pupil", required=True, help="Mã học sinh trong hệ thống hoặc mã định danh (12 số).")
        parser.add_argument("--user", required=True, help="Tên đăng nhập của hiệu trưởng.")
        parser.add_argument("--out", required=True, help="Tệp PDF ra.")
        add_pin_argument(parser, "pin", "mã PIN ký số của hiệu trưởng")

    def handle(self, *args, pupil, user, out, **options):
        account = user_arg(user)
        try:
            found = pupil_find(pupil)
        except Pupil.DoesNotExist as error:
            raise CommandError(str(error)) from None
        staff = Staff.objects.filter(user=account).first()
        if staff is None:
            raise CommandError(f"Tài khoản {user} không phải cán bộ của trường.")
        try:
            signer = signer_open(identity_for(staff=staff), read_pin(options, "pin", "Mã PIN ký số: "), seal=True)
            copy = copy_issue(pupil=found, by=account, signer=signer)
        except SigningError as error:
            raise CommandError(str(error)) from None
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(copy.file, "rb") as handle:
            path.write_bytes(handle.read())
        self.stdout.write(f"Đã cấp bản sao học bạ số {copy.number} của {found.full_name} ({len(copy.records)} năm "
                          f"học): {path}")
        self.stdout.write(f"SHA-256: {copy.sha256}")
