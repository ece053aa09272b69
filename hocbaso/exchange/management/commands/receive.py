"""``hocbaso receive``: a province or commune office checks the class packages schools submitted and counts them."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hocbaso.exchange.submission.services import receive_counts, submission_receive
from hocbaso.signing.validate import configured_trust_roots


class Command(BaseCommand):
    help = ("Sở GD&ĐT, UBND xã/phường nhận tệp nộp học bạ của các trường (một tệp cho cả trường, hoặc gói của từng "
            "lớp): kiểm tra con dấu của trường trên danh sách từng lớp, mã băm và ba chữ ký số trên từng học bạ XML, "
            "rồi đếm số học bạ theo trường, lớp. Một học bạ sai thì cả tệp bị từ chối, được báo rõ; mã thoát 1 khi "
            "có gói bị từ chối.")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Thư mục (tìm mọi tệp .zip bên trong) hoặc tệp gói .zip.")
        parser.add_argument("--trust-root", action="append", default=[], metavar="PEM",
                            help="Chứng thư gốc tin cậy (tệp PEM) để xác nhận con dấu; lặp lại được.")
        parser.add_argument("--quick", action="store_true",
                            help="Gói dạng PDF cũ: chỉ kiểm tra con dấu và mã băm, không kiểm tra chữ ký trên từng "
                                 "học bạ (gói XML luôn được kiểm tra đủ).")
        parser.add_argument("--json", dest="as_json", action="store_true", help="In kết quả dạng JSON.")

    def handle(self, *args, paths, trust_root, quick, as_json, **options):
        for path in paths:
            if not Path(path).exists():
                raise CommandError(f"Không tìm thấy {path}.")
        roots = [*configured_trust_roots(), *trust_root] if trust_root else None
        received = submission_receive(paths, trust_roots=roots, deep=not quick)
        if not received:
            raise CommandError("Không tìm thấy gói học bạ (.zip) nào.")
        counts = receive_counts(received)
        refused = [r for r in received if not r.ok]
        if as_json:
            self.stdout.write(json.dumps({"schools": counts, "refused": [r.__dict__ for r in refused]},
                                                ensure_ascii=False, indent=2))
        else:
            for school in counts:
                self.stdout.write(f"{school['school']} {school['school_name']} — năm học {school['school_year']}: "
                                  f"{school['records']} học bạ hợp lệ trong {school['packages_ok']} gói"
                                  + (f", {school['packages_refused']} gói bị từ chối" if school["packages_refused"] else ""))
                for klass in school["classes"]:
                    state = "hợp lệ" if klass["ok"] else "BỊ TỪ CHỐI"
                    self.stdout.write(f"  Lớp {klass['class_name'] or '?'}: {klass['records']} học bạ — {state}")
            for item in received:
                if item.ok and not item.trusted and not quick:
                    self.stdout.write(f"Lưu ý: con dấu trên {item.file} không thuộc tổ chức chứng thực được tin cậy "
                                      "(thêm --trust-root).")
            for item in refused:
                self.stdout.write(f"TỪ CHỐI {item.file}:")
                for problem in item.problems:
                    self.stdout.write(f"  - {problem}")
        if refused:
            raise CommandError(f"{len(refused)} gói bị từ chối.")
