"""The ``hocbaso`` console command: a front for the Django management commands.

``hocbaso --help`` lists the commands in plain words; any other Django command
(``hocbaso migrate``, ``hocbaso createsuperuser`` …) passes straight through.
Commands that need the database migrate it first, so they work on an empty data folder.
"""

import os
import sys

import django
from django.core.management import call_command, execute_from_command_line, get_commands

# name -> (needs the database, one line in plain words)
COMMANDS = {
    "serve": (True, "Chạy ứng dụng web (mặc định http://127.0.0.1:8000), nạp trường mẫu và in các tài khoản mẫu."),
    "demo": (True, "Tạo (hoặc làm mới) tỉnh mẫu Lâm Đồng: trường mẫu ở xã Trường Xuân (2025-2026 đã phát hành, 2026-2027 đang học), các trường khác, tài khoản UBND xã và Sở GD&ĐT."),
    "assess": (False, "Kiểm tra một học bạ (tệp JSON hocbaso.record/3, /2 hoặc /1) theo Thông tư 27 và tính kết quả."),
    "export-record": (True, "In học bạ một năm học của một học sinh theo định dạng hocbaso.record/3."),
    "render": (True, "Xuất PDF học bạ của cả trường hoặc một lớp (dùng mọi nhân CPU)."),
    "extract-record": (False, "In dữ liệu học bạ được đính kèm trong một tệp PDF."),
    "lock": (True, "Chốt dữ liệu một lớp hoặc cả trường (--due: chốt tự động khi đến ngày chốt)."),
    "identity": (True, "Cấp chứng thư số cho cán bộ hoặc con dấu của trường; đăng ký USB token / ký số từ xa."),
    "sign": (True, "Ký số theo lô, một lần nhập PIN: môn học của lớp, cả lớp (GVCN), cả trường (hiệu trưởng)."),
    "issue": (True, "Phát hành học bạ đã ký: sổ đăng ký, mã tra cứu, gói học bạ của lớp có đóng dấu."),
    "packages": (True, "Lập lại gói học bạ còn thiếu của các lớp đã phát hành (lần phát hành bị ngắt giữa chừng)."),
    "correction": (True, "Đề nghị, duyệt hoặc từ chối điều chỉnh học bạ (duyệt sau phát hành tạo phiên bản mới)."),
    "verify": (True, "Kiểm tra một tệp PDF hoặc XML học bạ: chữ ký số, trùng bản đã phát hành không, trạng thái (in "
                     "JSON); --at YYYY-MM-DD: kiểm tra như vào ngày đó (dữ liệu kiểm tra dài hạn)."),
    "archive-renew": (True, "Gia hạn dấu thời gian lưu trữ của học bạ đã phát hành trước khi chứng thư TSA hết hạn (cron)."),
    "audit": (True, "audit verify: kiểm tra nhật ký thay đổi, chỉ ra mục đầu tiên bị sửa, xóa hoặc đảo thứ tự; "
                    "audit seal: niêm phong đầu chuỗi ra ngoài cơ sở dữ liệu (chạy định kỳ)."),
    "transfer": (True, "Chuyển trường: lập gói học bạ có đóng dấu và liên kết tải về; trường nhận kiểm tra rồi nhận học sinh."),
    "copy": (True, "Cấp bản sao học bạ (toàn bộ quá trình học tập, ghi BẢN SAO và số lần cấp, hiệu trưởng ký số)."),
    "submit": (True, "Chép gói học bạ có đóng dấu của các lớp để nộp Sở GD&ĐT."),
    "receive": (True, "Sở GD&ĐT, UBND xã/phường: kiểm tra các gói học bạ nhận được, đếm theo trường và lớp."),
    "archive": (True, "Lưu trữ cuối năm: một tệp ZIP gồm học bạ, sổ đăng ký, nhật ký, danh mục, mã băm từng tệp."),
    "restore": (True, "Khôi phục bản lưu trữ cuối năm vào hệ thống chưa có năm học đó."),
    "place-schools": (True, "Chuyển các trường sang xã/phường mới theo bảng chuyển đổi đơn vị hành chính (từ 01/07/2025)."),
    "office-account": (True, "Tài khoản cán bộ UBND xã/phường hoặc Sở GD&ĐT; gắn tài khoản cũ của cấp huyện với xã/phường hay Sở."),
    "worker": (True, "Chạy các tác vụ nền (xuất PDF, ký số, phát hành) — dùng khi vận hành thật."),
    "migrate": (False, "Tạo hoặc cập nhật cơ sở dữ liệu."),
    "createsuperuser": (True, "Tạo tài khoản quản trị."),
}

HELP = """hocbaso — học bạ số cho trường tiểu học (Thông tư 27/2020/TT-BGDĐT)

Cách dùng: hocbaso LỆNH [tùy chọn]      (hocbaso LỆNH --help để xem chi tiết)

Các lệnh:
{commands}

Mọi lệnh quản trị khác của Django cũng dùng được: hocbaso help --all
Cấu hình qua biến môi trường: HOCBASO_DATA_DIR (mặc định ./data), DATABASE_URL (PostgreSQL),
SECRET_KEY, SITE_URL, DEBUG. Bảng đầy đủ: docs/configuration.md.
"""


def print_help() -> None:
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items() if name in _available()]
    print(HELP.format(commands="\n".join(lines)))


def _available() -> set[str]:
    return set(get_commands())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocbaso.settings")
    django.setup()
    if not argv or argv[0] in ("-h", "--help"):
        print_help()
        return 0
    if argv[:2] == ["help", "--all"]:
        argv = ["help"]
    name = argv[0]
    needs_db, _ = COMMANDS.get(name, (name not in ("help", "check", "makemigrations", "version"), ""))
    if needs_db and "--help" not in argv and "-h" not in argv:
        call_command("migrate", interactive=False, verbosity=0)
    try:
        execute_from_command_line(["hocbaso", *argv])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
