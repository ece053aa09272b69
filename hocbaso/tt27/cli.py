"""``hocbaso assess FILE.json``: check one học bạ record under TT27 (docs/record-format.md).

Prints one JSON object (``Assessment.as_dict()``, UTF-8, ``ensure_ascii=False``) on standard
output. Exit status: 0 valid, 1 invalid, 2 unreadable input (not UTF-8, not JSON, not a JSON
object, missing or wrong ``format``, or a file that cannot be opened), with a Vietnamese message
on standard error and nothing on standard output. ``-`` reads standard input.
"""

import argparse
import json
import sys

from hocbaso.tt27.assessment import UnreadableRecord, assess_json

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _write(stream, text: str) -> None:
    """Write ``text`` as UTF-8 whatever the stream's locale encoding."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    buffer = getattr(stream, "buffer", None)
    if encoding == "utf8" or buffer is None:
        stream.write(text)
        stream.flush()
    else:
        stream.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def _read(path: str) -> str:
    try:
        if path == "-":
            data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
        else:
            with open(path, "rb") as file:
                data = file.read()
    except OSError as error:
        raise UnreadableRecord(f"Không mở được tệp {path}: {error.strerror or error}.") from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableRecord(f"Tệp {path} không phải văn bản UTF-8.") from None


def main(argv: list[str] | None = None) -> int:
    """Run ``assess FILE.json``; returns the exit status (0 valid, 1 invalid, 2 unreadable or bad usage)."""
    parser = argparse.ArgumentParser(
        prog="hocbaso assess",
        description="Kiểm tra một học bạ (tệp JSON hocbaso.record/N) theo Thông tư 27/2020/TT-BGDĐT và tính "
                    "kết quả giáo dục, khen thưởng, hoàn thành chương trình. Mã thoát: 0 hợp lệ, 1 không hợp lệ, "
                    "2 không đọc được.")
    parser.add_argument("file", help="tệp JSON, hoặc - để đọc từ đầu vào chuẩn")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_UNREADABLE
    try:
        assessment = assess_json(_read(args.file))
    except UnreadableRecord as error:
        _write(sys.stderr, f"hocbaso assess: {error}\n")
        return EXIT_UNREADABLE
    _write(sys.stdout, json.dumps(assessment.as_dict(), ensure_ascii=False) + "\n")
    return EXIT_VALID if assessment.valid else EXIT_INVALID
