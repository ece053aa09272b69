from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Chạy celery beat: xếp các tác vụ định kỳ (tự động chốt dữ liệu khi đến ngày chốt, dọn tệp mồ côi) "
            "vào hàng đợi. Cần HOCBASO_BROKER_URL; chỉ chạy một tiến trình beat cho cả hệ thống.")

    def handle(self, *args, **options):
        if not settings.BROKER_URL:
            raise CommandError("Cần đặt HOCBASO_BROKER_URL (ví dụ redis://127.0.0.1:6379/0) để chạy beat.")
        from hocbaso.jobs.broker import beat_start  # deferred: Celery loads only where a broker is used

        beat_start(schedule=str(settings.DATA_DIR / "celerybeat-schedule"))
