"""``hocbaso audit verify``: check the hash chain of the audit log and name the first broken entry."""

import dataclasses
import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from hocbaso.audit.services import audit_verify

KINDS = {
    "changed": "nội dung đã bị sửa",
    "missing": "đã bị xóa hoặc bị mất",
    "reordered": "sai thứ tự",
    "tail_missing": "các mục cuối nhật ký đã bị xóa",
    "extra": "có mục được thêm vào ngoài ứng dụng",
    "head_missing": "mất bản ghi đầu chuỗi",
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
        return [f"Nhật ký thay đổi nguyên vẹn: đã kiểm tra {report.checked} mục (#1 đến #{report.checked}), "
                "chuỗi mã băm khớp đến mục cuối cùng."]
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
    help = ("Kiểm tra nhật ký thay đổi (audit verify): mọi mục còn nguyên, đúng thứ tự, không bị xóa. "
            "Mã thoát 0 nếu nguyên vẹn; 1 và tên mục hỏng đầu tiên nếu không.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"], help="verify: kiểm tra chuỗi mã băm của nhật ký.")
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, action, json: bool = False, **options):
        report = audit_verify()
        if json:
            self.stdout.write(_json(dataclasses.asdict(report)))
        else:
            for line in report_text(report):
                self.stdout.write(line)
        if not report.ok:
            where = f"mục #{report.broken_seq}" if report.broken_seq is not None else "cuối nhật ký"
            raise CommandError(f"Nhật ký thay đổi không nguyên vẹn ({where}: {KINDS.get(report.kind, report.reason)}).",
                               returncode=1)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
