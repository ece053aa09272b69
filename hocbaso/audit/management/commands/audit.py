"""``hocbaso audit verify``: check the hash chain of the audit log and name the first broken entry."""

import dataclasses
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from hocbaso.audit.services import AuditTampered, audit_seal, audit_verify
from hocbaso.signing.errors import SigningSetupError
from hocbaso.signing.seals import installation_seal, installation_trust, seal_problems

KINDS = {
    "changed": "nội dung đã bị sửa",
    "missing": "đã bị xóa hoặc bị mất",
    "reordered": "sai thứ tự",
    "tail_missing": "các mục cuối nhật ký đã bị xóa",
    "extra": "có mục được thêm vào ngoài ứng dụng",
    "head_missing": "mất bản ghi đầu chuỗi",
    "wiped": "nhật ký đã bị xóa sạch",
    "rewritten": "chuỗi mã băm đã bị tính lại (khác bản niêm phong)",
    "anchor_invalid": "kho niêm phong bị can thiệp",
}


def _when(summary: dict) -> str:
    if not summary.get("at"):
        return "không rõ thời gian"
    return dt.datetime.fromisoformat(summary["at"]).strftime("%d/%m/%Y %H:%M:%S")


def describe(summary: dict | None, *, seq: bool = True) -> str:
    """One entry in plain words: ``#3, lúc 24/11/2026 10:45:12, hành động evaluation.change (…), người …``."""
    if summary is None:
        return "không có"
    target = " ".join(p for p in (summary.get("target_type"), summary.get("target_id")) if p)
    action = summary["action"] + (f" ({target})" if target else "")
    text = f"lúc {_when(summary)}, hành động {action}, người thực hiện {summary['actor_name']}"
    return f"#{summary['seq']}, {text}" if seq else text


def report_text(report) -> list[str]:
    if report.ok:
        if report.checked == 0:
            return ["Nhật ký thay đổi chưa có mục nào: không có gì để kiểm tra."]
        sealed = (f"khớp bản niêm phong ngoài cơ sở dữ liệu đến mục #{report.sealed_seq}." if report.sealed_seq else
                  "chưa có bản niêm phong nào ngoài cơ sở dữ liệu (chạy hocbaso audit seal định kỳ).")
        return [f"Nhật ký thay đổi nguyên vẹn: đã kiểm tra {report.checked} mục (#1 đến #{report.checked}), "
                f"chuỗi mã băm khớp đến mục cuối cùng; {sealed}"]
    where = f"#{report.broken_seq}" if report.broken_seq is not None else "(cuối nhật ký)"
    lines = ["NHẬT KÝ THAY ĐỔI ĐÃ BỊ CAN THIỆP.",
             f"Mục hỏng đầu tiên: {where} — {KINDS.get(report.kind, 'không khớp')}."]
    if report.kind == "changed":
        lines.append(f"  Mục bị sửa: {describe(report.entry)}.")
    elif report.kind == "reordered":
        if report.entry is not None:
            lines.append(f"  Mục đang nằm ở vị trí {where}: {describe(report.entry, seq=False)}.")
        if report.moved_to is not None:
            lines.append(f"  Mục đúng ở vị trí {where} hiện nằm ở vị trí #{report.moved_to}.")
    elif report.kind in ("missing", "tail_missing"):
        if report.entry is not None:
            lines.append(f"  Mục đang nằm ở vị trí {where}: {describe(report.entry, seq=False)}.")
        else:
            lines.append(f"  Mục {where} không còn trong cơ sở dữ liệu.")
        lines.append(f"  Mục liền trước còn nguyên vẹn: {describe(report.previous)}.")
        if report.following is not None:
            lines.append(f"  Mục kế tiếp còn lại: {describe(report.following)}.")
    elif report.kind == "rewritten":
        lines.append(f"  Mục khác bản niêm phong: {describe(report.entry)}.")
    elif report.kind == "extra":
        lines.append(f"  Mục thêm vào đầu tiên: {describe(report.entry)}.")
    lines.append(f"  Chi tiết: {report.reason}.")
    if report.checked == 1:
        lines.append("Mục #1 trước đó vẫn nguyên vẹn.")
    elif report.checked:
        lines.append(f"Các mục #1 đến #{report.checked} trước đó vẫn nguyên vẹn.")
    else:
        lines.append("Không có mục nào trước đó để đối chiếu.")
    return lines


class Command(BaseCommand):
    help = ("Kiểm tra nhật ký thay đổi (audit verify): mọi mục còn nguyên, đúng thứ tự, không bị xóa, khớp các bản "
            "niêm phong ngoài cơ sở dữ liệu. Mã thoát 0 nếu nguyên vẹn; 1 và tên mục hỏng đầu tiên nếu không. "
            "audit seal: niêm phong đầu chuỗi vào kho ngoài cơ sở dữ liệu (chạy định kỳ, ví dụ mỗi giờ).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "seal"],
                            help="verify: kiểm tra chuỗi mã băm của nhật ký; seal: niêm phong đầu chuỗi.")
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, action, json: bool = False, **options):
        if action == "seal":
            return self.seal()
        report = audit_verify(seal_check=_seal_check())
        if json:
            self.stdout.write(_json(dataclasses.asdict(report)))
        else:
            for line in report_text(report):
                self.stdout.write(line)
        if not report.ok:
            where = f"mục #{report.broken_seq}" if report.broken_seq is not None else "cuối nhật ký"
            raise CommandError(f"Nhật ký thay đổi không nguyên vẹn ({where}: {KINDS.get(report.kind, report.reason)}).",
                               returncode=1)

    def seal(self):
        try:
            anchor = audit_seal(sign=installation_seal)
        except AuditTampered as error:
            for line in report_text(error.report):
                self.stdout.write(line)
            raise CommandError("Không niêm phong: nhật ký thay đổi không nguyên vẹn.", returncode=1) from None
        if anchor is None:
            self.stdout.write("Không có gì mới để niêm phong.")
        else:
            self.stdout.write(f"Đã niêm phong nhật ký đến mục #{anchor.seq} lúc {anchor.at}.")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _seal_check():
    """Checks an anchor's seal against this installation's CA (None when it has no CA yet)."""
    try:
        trusted = installation_trust()
    except SigningSetupError:
        return None
    return lambda payload, seal: seal_problems(payload, seal, trusted=trusted)
