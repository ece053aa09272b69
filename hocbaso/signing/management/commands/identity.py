from cryptography.hazmat.primitives import serialization
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hocbaso.directory.models import School
from hocbaso.records.management.options import add_pin_argument, read_pin
from hocbaso.signing.errors import SigningError
from hocbaso.signing.models import IdentityKind
from hocbaso.signing.services import identity_issue, identity_register
from hocbaso.signing.signers import CscSigner, Pkcs11Signer


class Command(BaseCommand):
    help = ("Cấp chứng thư số (của hệ thống, khóa mã hóa bằng PIN) cho một cán bộ (--for TÊN_ĐĂNG_NHẬP) hoặc "
            "con dấu của trường (--seal --school MÃ); hoặc đăng ký chứng thư trên USB token (--pkcs11-module) "
            "hay dịch vụ ký số từ xa (--csc-url).")

    def add_arguments(self, parser):
        parser.add_argument("--for", dest="holder", help="Tên đăng nhập của người được cấp.")
        parser.add_argument("--seal", action="store_true", help="Cấp con dấu số của trường.")
        parser.add_argument("--school", help="Mã trường (với --seal).")
        parser.add_argument("--by", required=True, help="Tên đăng nhập của người thực hiện (hiệu trưởng, văn thư).")
        parser.add_argument("--pkcs11-module", help="Thư viện PKCS#11 của token (ví dụ /usr/lib/softhsm/libsofthsm2.so).")
        parser.add_argument("--token-label", help="Nhãn token PKCS#11.")
        parser.add_argument("--key-label", help="Nhãn khóa trên token PKCS#11.")
        parser.add_argument("--csc-url", help="Địa chỉ dịch vụ ký số từ xa (CSC API).")
        parser.add_argument("--credential", help="Mã chứng thư trên dịch vụ CSC.")
        add_pin_argument(parser)

    def handle(self, *args, **options):
        users = get_user_model().objects
        by = users.filter(username=options["by"]).first()
        if by is None:
            raise CommandError(f"Không có tài khoản {options['by']!r}.")
        staff = school = None
        if options["seal"]:
            school = School.objects.filter(code=options["school"] or "").first()
            if school is None:
                raise CommandError("Cần --school với mã trường hợp lệ khi cấp con dấu.")
        else:
            holder = users.filter(username=options["holder"] or "").first()
            staff = getattr(holder, "staff", None) if holder else None
            if staff is None:
                raise CommandError("Cần --for với tên đăng nhập của một cán bộ.")
        pin = read_pin(options)
        try:
            if options["pkcs11_module"]:
                config = {"module": options["pkcs11_module"], "token_label": options["token_label"],
                          "key_label": options["key_label"]}
                with Pkcs11Signer(config["module"], token_label=config["token_label"], key_label=config["key_label"],
                                  pin=pin) as signer:
                    pem = signer.certificate.public_bytes(serialization.Encoding.PEM).decode()
                identity = identity_register(kind=IdentityKind.PKCS11, config=config, certificate_pem=pem, by=by,
                                             staff=staff, school=school, operator=True)
            elif options["csc_url"]:
                config = {"service_url": options["csc_url"], "credential_id": options["credential"]}
                signer = CscSigner(config["service_url"], config["credential_id"], pin=pin)
                pem = signer.certificate.public_bytes(serialization.Encoding.PEM).decode()
                identity = identity_register(kind=IdentityKind.CSC, config=config, certificate_pem=pem, by=by,
                                             staff=staff, school=school, operator=True)
            else:
                # The server's operator: may replace a certificate whose PIN is lost (logged as such).
                identity = identity_issue(staff=staff, school=school, pin=pin, by=by, operator=True)
        except SigningError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Đã cấp/đăng ký chứng thư số: {identity.subject}")
