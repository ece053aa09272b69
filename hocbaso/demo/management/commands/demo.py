import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from hocbaso.demo.builder import CURRENT_YEAR, PASSWORD, SCHOOL_CODE, SCHOOL_YEAR, demo_build, demo_exists
from hocbaso.demo.lifecycle import DEMO_PIN, DemoIncomplete, demo_issue, earlier_unissued
from hocbaso.demo.neighbours import province_exists
from hocbaso.demo.tasks import KIND_EARLIER_ISSUE, KIND_PROVINCE_BUILD
from hocbaso.jobs.selectors import active_job
from hocbaso.jobs.services import job_submit
from hocbaso.demo.guard import demo_refusal
from hocbaso.records.models import IssuedRecord
from hocbaso.tt27 import catalogue


class Command(BaseCommand):
    help = ("Tạo (hoặc làm mới) tỉnh mẫu Lâm Đồng: trường mẫu 67000101 ở xã Trường Xuân (năm học 2025-2026 đã phát hành, "
            "2026-2027 đang học), các trường khác trong tỉnh, tài khoản UBND xã và Sở GD&ĐT; chạy lại không nhân đôi dữ liệu.")

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="Bỏ qua nếu trường mẫu đã có dữ liệu.")
        parser.add_argument("--no-issue", action="store_true",
                            help="Không ký số và phát hành học bạ mẫu (nhanh hơn; chỉ có dữ liệu đánh giá).")
        parser.add_argument("--earlier-in-background", action="store_true",
                            help="Phát hành ngay năm học 2025-2026; các trường khác trong tỉnh mẫu được tạo và học bạ "
                                 "các năm học trước 1/7/2025 được ký, phát hành bằng tác vụ nền (hocbaso serve dùng "
                                 "tùy chọn này).")

    def handle(self, *args, if_missing, no_issue=False, earlier_in_background=False, **options):
        refusal = demo_refusal()
        if refusal:
            raise CommandError(refusal)
        # In the background: the province's other schools (the offices' dashboards), after the demo school.
        province = not earlier_in_background
        if if_missing and demo_exists(province=province):
            self.stdout.write(f"Trường mẫu {SCHOOL_CODE} đã có dữ liệu đến năm học {CURRENT_YEAR}.")
        else:
            report = demo_build(progress=lambda message: self.stdout.write(f"  {message}"), province=province)
            total = sum(report.outcomes.values()) or 1
            self.stdout.write(self.style.SUCCESS(
                f"Trường mẫu {SCHOOL_CODE}, năm học {SCHOOL_YEAR}: {report.classes} lớp, {report.pupils} học sinh, "
                f"{report.staff} cán bộ, giáo viên"
                + (f"; {report.schools} trường khác trong tỉnh" if province else "")
                + f" — xong trong {report.seconds:.1f} giây."))
            for code, name in catalogue.OUTCOMES.items():
                count = report.outcomes.get(code, 0)
                self.stdout.write(f"  {name}: {count} ({100 * count / total:.1f}%)")
            for code, name in catalogue.AWARDS.items():
                self.stdout.write(f"  Khen thưởng “{name}”: {report.awards.get(code, 0)}")
        if earlier_in_background:  # queued first: the worker runs jobs in order, and it is the quicker one
            self.province_in_background()
        if not no_issue:
            started = time.perf_counter()
            try:
                issued = demo_issue(progress=lambda message: self.stdout.write(f"  {message}"),
                                    earlier=not earlier_in_background)
            except DemoIncomplete as error:
                raise CommandError(str(error)) from None
            if issued:
                self.stdout.write(self.style.SUCCESS(f"Đã ký số và phát hành {issued} học bạ mẫu trong "
                                                     f"{time.perf_counter() - started:.1f} giây."))
            if earlier_in_background:
                self.earlier_in_background()
        self.print_accounts()
        self.print_sample_record()

    def province_in_background(self):
        """Queue (once) the job that builds the demo province's other schools, and say where its progress shows."""
        if province_exists():
            return
        url = self.job_queue_once(KIND_PROVINCE_BUILD)
        self.stdout.write(f"  Các trường khác của tỉnh mẫu (thống kê của xã, của Sở) đang được tạo trong nền; tiến độ: "
                          f"{url} (tài khoản hieutruong).")

    def earlier_in_background(self):
        """Queue (once) the job that issues the earlier years' records, and say where its progress shows."""
        left = earlier_unissued()
        if not left:
            return
        url = self.job_queue_once(KIND_EARLIER_ISSUE)
        self.stdout.write(f"  Học bạ các năm học trước 1/7/2025 ({left} học bạ, tên đơn vị lúc đó) đang được ký và "
                          f"phát hành trong nền; tiến độ: {url} (tài khoản hieutruong).")

    @staticmethod
    def job_queue_once(kind: str) -> str:
        """Queue a background job of ``kind`` in the principal's name unless one is already waiting or running;
        the address of its progress page."""
        job = active_job(kind)
        if job is None:
            principal = get_user_model().objects.get(username="hieutruong")
            job = job_submit(kind=kind, args={}, by=principal, school_code=SCHOOL_CODE)
        return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:job', args=[job.pk])}"

    def print_accounts(self):
        accounts = [("Hiệu trưởng", "hieutruong"), ("Phó hiệu trưởng", "phohieutruong"),
                    ("GVCN lớp 4A (Lê Thị Hoa)", "gvcn.4a"), ("GVCN lớp 1A", "gvcn.1a"), ("GVCN lớp 5A", "gvcn.5a"),
                    ("GVBM Tiếng Anh lớp 4–5", "gv.tienganh2"), ("Văn thư", "vanthu"),
                    ("UBND xã Trường Xuân (thống kê)", "ubnd.truongxuan"),
                    ("Sở GD&ĐT Lâm Đồng (thống kê)", "so.lamdong")]
        self.stdout.write("\nTài khoản mẫu (mật khẩu chung: %s)" % PASSWORD)
        width = max(len(label) for label, _ in accounts)
        for label, username in accounts:
            self.stdout.write(f"  {label.ljust(width)}  {username}")
        self.stdout.write(f"Mã PIN ký số của mọi người ký mẫu và con dấu của trường: {DEMO_PIN}. "
                          f"Năm học {SCHOOL_YEAR} đã phát hành; năm học {CURRENT_YEAR} đang học, đã nhập đánh giá giữa học kì I.")

    def print_sample_record(self):
        sample = IssuedRecord.objects.filter(school_code=SCHOOL_CODE, school_year=SCHOOL_YEAR, class_name="5A").order_by("pupil_name").first()
        if sample is not None:
            self.stdout.write(f"Thử tra cứu: {settings.SITE_URL.rstrip('/')}/tra-cuu/{sample.lookup_code}/ "
                              f"(học sinh {sample.pupil_name}, ngày sinh {sample.pupil_birth_date:%d/%m/%Y}, "
                              f"4 số cuối mã định danh {(sample.identity_number or '')[-4:] or 'bỏ trống'})")
