"""``hocbaso restore``: bring back a year-end archive into an installation that does not have that school year."""

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from hocbaso.exchange.archive.format import ArchiveRefused
from hocbaso.exchange.archive.restore import archive_restore
from hocbaso.signing.seals import trusted_certificates


class Command(BaseCommand):
    help = ("Khôi phục một bản lưu trữ cuối năm (hocbaso archive) vào hệ thống chưa có năm học đó: danh mục, sổ "
            "đăng ký (cùng mã học bạ, mã tra cứu, phiên bản, mã băm) và các tệp PDF. Bản lưu trữ bị hỏng (sai mã "
            "băm), không có niêm phong của hệ thống này (hoặc của chứng thư chỉ định bằng --trust) hay có học bạ sai "
            "chữ ký số bị từ chối, không ghi gì; tài khoản đã có không bao giờ bị đổi vai trò.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp lưu trữ (.zip).")
        parser.add_argument("--trust", action="append", default=[], metavar="CHỨNG_THƯ.pem",
                            help="Chấp nhận bản lưu trữ niêm phong bằng chứng thư này (hoặc chứng thư do nó cấp), ví "
                                 "dụ chứng thư gốc (ca/root.pem) của hệ thống cũ; lặp lại được. Mặc định chỉ chấp "
                                 "nhận bản lưu trữ do chính hệ thống này lập.")

    def handle(self, *args, file, trust=(), **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {file}.")
        try:
            trusted = trusted_certificates(trust)
        except (OSError, ValueError) as error:
            raise CommandError(f"Không đọc được chứng thư chỉ định (--trust): {error}") from None
        try:
            report = archive_restore(path, trusted=trusted)
        except ArchiveRefused as refused:
            lines = ["Từ chối khôi phục bản lưu trữ:"] + [f"  - {p}" for p in refused.problems]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(f"Đã khôi phục năm học {report.school_year} của trường {report.school}: {report.records} "
                          f"học bạ, {report.pupils} học sinh, {report.enrolments} lượt xếp lớp.")
        self.stdout.write(f"Nhật ký thay đổi lưu kèm: {report.audit_entries} mục"
                          + (", mã băm dùng khóa nhật ký của hệ thống cũ nên không tính lại được ở đây (niêm "
                             "phong của bản lưu trữ bảo đảm chúng)" if report.audit_foreign_key else
                             f", {len(report.audit_broken)} mục không khớp mã băm: {report.audit_broken[:10]}"
                             if report.audit_broken else ", mã băm từng mục khớp") + ".")
        work = report.work
        if any(work.values()):
            self.stdout.write(f"Kèm theo: {work['subject_evaluations'] + work['trait_evaluations']} ô đánh giá, "
                              f"{work['year_results']} kết quả cuối năm, {work['locks']} lần chốt dữ liệu, "
                              f"{work['drafts']} bản học bạ qua các bước ký, {work['signoffs']} bản ký xác nhận môn, "
                              f"{work['class_packages']} gói học bạ của lớp, {work.get('renewals', 0)} bản gia hạn "
                              "dấu thời gian lưu trữ.")
        if report.refused:
            self.stdout.write(f"Không thực hiện {len(report.refused)} thay đổi mà bản lưu trữ yêu cầu:")
            for line in report.refused:
                self.stdout.write(f"  - {line}")
        if report.accounts:
            self.stdout.write(f"{len(report.accounts)} tài khoản được khôi phục chưa có mật khẩu (bản lưu trữ không "
                              f"chứa mật khẩu): {', '.join(report.accounts)}. Đặt mật khẩu cho hiệu trưởng bằng "
                              "lệnh: hocbaso changepassword TÊN_ĐĂNG_NHẬP; hiệu trưởng đăng nhập rồi đặt lại mật khẩu "
                              "cho đồng nghiệp ở trang Tài khoản của trường (/truong/tai-khoan/).")
        if report.ca_root:
            try:
                where = default_storage.path(report.ca_root)
            except NotImplementedError:  # an S3 bucket: the file's name in it
                where = report.ca_root
            self.stdout.write(f"Chứng thư gốc của hệ thống cũ: {where} — thêm vào HOCBASO_TRUST_ROOTS (hoặc "
                              "hocbaso verify --trust-root) để xác nhận người ký.")
