"""``hocbaso transfer export|import``: the transfer package of a pupil (chuyển trường) and its import."""

import datetime as dt
from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import class_arg, school_year_arg, user_arg
from hocbaso.directory.models import Pupil
from hocbaso.exchange.transfer.services import TransferRefused, transfer_package_build, transfer_package_import
from hocbaso.records.history import pupil_find
from hocbaso.records.management.options import add_pin_argument, read_pin
from hocbaso.signing.errors import SigningError
from hocbaso.signing.services import identity_for, signer_open
from hocbaso.signing.validate import configured_trust_roots


class Command(BaseCommand):
    help = ("Chuyển trường. export: lập gói chuyển trường của một học sinh (mọi học bạ đã phát hành, danh sách "
            "có đóng dấu của trường) và liên kết tải về có thời hạn. import: trường nhận kiểm tra mọi chữ ký số "
            "và mã băm rồi nhận học sinh vào lớp; gói bị sửa bị từ chối, nêu lý do.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser("export", help="Lập gói chuyển trường (hiệu trưởng trường đi).")
        export.add_argument("--pupil", required=True, help="Mã học sinh trong hệ thống hoặc mã định danh (12 số).")
        export.add_argument("--out", required=True, help="Tệp gói ra (.zip).")
        export.add_argument("--user", required=True, help="Tên đăng nhập của hiệu trưởng.")
        export.add_argument("--days", type=int, default=14, help="Số ngày liên kết tải về còn hiệu lực (mặc định 14).")
        add_pin_argument(export, "seal-pin", "mã PIN con dấu của trường")
        imp = actions.add_parser("import", help="Nhận học sinh chuyển đến từ một gói chuyển trường.")
        imp.add_argument("file", help="Tệp gói chuyển trường (.zip).")
        imp.add_argument("--school", required=True, help="Mã trường nhận (8 chữ số).")
        imp.add_argument("--year", required=True, help="Năm học ở trường nhận, ví dụ 2025-2026.")
        imp.add_argument("--class", dest="class_name", required=True, help="Lớp nhận, ví dụ 5A.")
        imp.add_argument("--user", required=True, help="Tên đăng nhập (hiệu trưởng, phó hiệu trưởng hoặc văn thư).")
        imp.add_argument("--registry-number", help="Số đăng bộ ở trường nhận (mặc định: số kế tiếp của năm học).")
        imp.add_argument("--joined-on", help="Ngày chuyển đến, YYYY-MM-DD (mặc định hôm nay).")
        imp.add_argument("--trust-root", action="append", default=[], metavar="PEM",
                         help="Thêm chứng thư gốc tin cậy (tệp PEM), ví dụ CA của hệ thống trường đi; lặp lại được.")

    def handle(self, *args, action, **options):
        if action == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options):
        user = user_arg(options["user"])
        try:
            pupil = pupil_find(options["pupil"])
        except Pupil.DoesNotExist as error:
            raise CommandError(str(error)) from None
        try:
            seal = signer_open(identity_for(school=pupil.school),
                               read_pin(options, "seal_pin", "Mã PIN con dấu của trường: "))
            transfer = transfer_package_build(pupil=pupil, by=user, seal_signer=seal, expires_in_days=options["days"])
        except SigningError as error:
            raise CommandError(str(error)) from None

        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(transfer.file, "rb") as handle:
            out.write_bytes(handle.read())
        expires = transfer.expires_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
        self.stdout.write(f"Đã lập gói chuyển trường của {pupil.full_name}: {transfer.records} học bạ, {out}.")
        self.stdout.write(f"SHA-256: {transfer.sha256}")
        self.stdout.write(f"Liên kết tải về (hết hạn {expires:%H:%M ngày %d/%m/%Y}): {transfer.url}")

    def _import(self, options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        for pem in options["trust_root"]:
            if not Path(pem).is_file():
                raise CommandError(f"Không tìm thấy chứng thư gốc {pem}.")
        school_year = school_year_arg(options["school"], options["year"])
        school_class = class_arg(school_year, options["class_name"])
        user = user_arg(options["user"])
        joined_on = None
        if options["joined_on"]:
            try:
                joined_on = dt.date.fromisoformat(options["joined_on"])
            except ValueError:
                raise CommandError("--joined-on phải có dạng YYYY-MM-DD.") from None
        trust_roots = None
        if options["trust_root"]:
            trust_roots = [*configured_trust_roots(), *options["trust_root"]]
        try:
            result = transfer_package_import(data=path.read_bytes(), school_year=school_year,
                                             school_class=school_class, by=user, joined_on=joined_on,
                                             registry_number=options["registry_number"], trust_roots=trust_roots)
        except TransferRefused as refused:
            lines = ["Từ chối gói chuyển trường:"] + [f"  - {p}" for p in refused.problems]
            raise CommandError("\n".join(lines)) from None
        pupil = result.pupil
        self.stdout.write(f"Đã nhận học sinh {pupil.full_name} ({pupil.identity_number or 'chưa có mã định danh'}) "
                          f"vào lớp {school_class.name} năm học {school_year.name}, chuyển từ "
                          f"{result.manifest['school_name']}.")
        self.stdout.write(f"Đã kiểm tra chữ ký số và mã băm, lưu {len(result.records)} học bạ:")
        for row in result.records:
            self.stdout.write(f"  {row.school_year}  lớp {row.class_name}  {row.school_name}  {row.record_id} "
                              f"(phiên bản {row.version})")
