"""``hocbaso office-account USERNAME --commune CODE | --province CODE --by USER``: an account of a commune office
(UBND xã/phường) or a province office (Sở GD&ĐT); also how a former Phòng GD&ĐT officer is given an office."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.management.arguments import user_arg
from hocbaso.directory.models import Commune, Province
from hocbaso.portal.services import office_account_open


class Command(BaseCommand):
    help = ("Tạo tài khoản cán bộ UBND xã/phường (xem các trường của xã) hoặc Sở GD&ĐT (xem các trường của tỉnh), "
            "hoặc gắn một tài khoản có sẵn (ví dụ của cấp huyện cũ) với xã/phường hay Sở. Tài khoản mới nhận "
            "mật khẩu tạm, in ra một lần.")

    def add_arguments(self, parser):
        parser.add_argument("username", help="Tên đăng nhập.")
        office = parser.add_mutually_exclusive_group(required=True)
        office.add_argument("--commune", help="Mã xã/phường (5 chữ số).")
        office.add_argument("--province", help="Mã tỉnh (2 chữ số).")
        parser.add_argument("--full-name", default="", help="Họ và tên (cho tài khoản mới).")
        parser.add_argument("--by", required=True, help="Tài khoản thực hiện (ghi vào nhật ký).")

    def handle(self, *args, username, commune, province, full_name, by, **options):
        by = user_arg(by)
        commune_obj = province_obj = None
        if commune:
            commune_obj = Commune.objects.filter(code=commune).select_related("province").first()
            if commune_obj is None:
                raise CommandError(f"Không có xã/phường mã {commune} (thêm bằng hocbaso place-schools).")
        else:
            province_obj = Province.objects.filter(code=province).first()
            if province_obj is None:
                raise CommandError(f"Không có tỉnh mã {province}.")
        try:
            staff, password = office_account_open(username=username, full_name=full_name, commune=commune_obj,
                                                  province=province_obj, by=by)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        office = commune_obj.authority_name if commune_obj else f"Sở GD&ĐT {province_obj.name}"
        self.stdout.write(self.style.SUCCESS(f"{staff.full_name} ({username}): cán bộ {office}."))
        if password:
            self.stdout.write(f"Mật khẩu tạm (đổi ở lần đăng nhập đầu): {password}")
