"""What the lifecycle commands (sign, issue, correction, identity) share: finding the school year, the class
and the user from their options, reading a PIN without echoing it, and a progress line."""

import getpass
import os
import sys

from django.core.management.base import CommandError

from hocbaso.directory.management.arguments import class_arg, school_year_arg, user_arg
from hocbaso.directory.models import SchoolClass, SchoolYear


def add_scope_arguments(parser, *, user_help: str) -> None:
    parser.add_argument("--school", required=True, help="Mã trường (8 chữ số).")
    parser.add_argument("--year", required=True, help="Năm học, ví dụ 2024-2025.")
    parser.add_argument("--class", dest="class_name", help="Tên lớp, ví dụ 4A.")
    parser.add_argument("--user", required=True, help=user_help)


def scope(options) -> tuple[SchoolYear, SchoolClass | None, object]:
    school_year = school_year_arg(options["school"], options["year"])
    school_class = class_arg(school_year, options["class_name"]) if options.get("class_name") else None
    return school_year, school_class, user_arg(options["user"])


def add_pin_argument(parser, name: str = "pin", what: str = "mã PIN ký số") -> None:
    parser.add_argument(f"--{name}-env", metavar="BIẾN",
                        help=f"Đọc {what} từ biến môi trường này (mặc định: hỏi, không hiện ký tự; "
                             "hoặc đọc một dòng từ đầu vào chuẩn).")


def read_pin(options, name: str = "pin", prompt: str = "Mã PIN ký số: ") -> str:
    variable = options.get(f"{name}_env")
    if variable:
        value = os.environ.get(variable)
        if not value:
            raise CommandError(f"Biến môi trường {variable} không có giá trị.")
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline().strip()
    if not line:
        raise CommandError("Chưa nhập mã PIN.")
    return line


class Progress:
    """A one-line progress display on stderr: "Đang ký: 150/950 (16%)"."""

    def __init__(self, label: str, stream=None):
        self.label, self.stream = label, stream or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        self.stream.write(f"\r{self.label}: {done}/{total} ({percent}%)")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()
