"""``hocbaso archive-renew``: gia hạn dấu thời gian lưu trữ of issued records, for cron where there is no broker
(with one, celery beat queues ``records.archive_renew`` daily). Exit 1 when a record failed."""

from django.core.management.base import BaseCommand, CommandError

from hocbaso.records.renewal import archive_timestamps_renew


class Command(BaseCommand):
    help = ("Gia hạn dấu thời gian lưu trữ của các học bạ đã phát hành khi chứng thư của máy chủ dấu thời gian "
            "(TSA) sắp hết hạn (PAdES B-LTA). Dùng cho cron khi không có hàng đợi (Celery beat chạy hằng ngày).")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="Gia hạn khi chứng thư TSA hết hạn trong số ngày này (mặc định "
                                 "HOCBASO_ARCHIVE_RENEW_DAYS).")

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days phải là số nguyên không âm.")
        report = archive_timestamps_renew(within_days=days)
        if report.no_tsa:
            raise CommandError("Chưa cấu hình máy chủ dấu thời gian (HOCBASO_TSA_URL): không gia hạn được.")
        self.stdout.write(f"Đã kiểm tra {report.checked} học bạ, gia hạn {len(report.renewed)}.")
        for record_id, reason in report.failed:
            self.stderr.write(f"{record_id}: {reason}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} học bạ không gia hạn được.")
