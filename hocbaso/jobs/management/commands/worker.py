import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hocbaso.jobs.services import worker_loop


class Command(BaseCommand):
    help = ("Chạy tác vụ nền (xuất PDF, ký số, phát hành…) cho đến khi dừng, kể cả tác vụ định kỳ (tự động chốt "
            "dữ liệu, dọn tệp mồ côi, gia hạn dấu thời gian); --once: chạy hết hàng đợi rồi thoát. "
            "Khi có HOCBASO_BROKER_URL: một tiến trình Celery worker nhận tác vụ qua hàng đợi.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--queue", action="append", dest="queues",
                            help="Hàng đợi Celery cần nhận (lặp lại được); mặc định HOCBASO_BROKER_QUEUE.")

    def handle(self, *args, once, queues, **options):
        if settings.BROKER_URL:
            if once:
                raise CommandError("--once chỉ dùng khi không cấu hình HOCBASO_BROKER_URL.")
            from hocbaso.jobs.broker import worker_start  # deferred: Celery loads only where a broker is used

            worker_start(queues=queues or [settings.BROKER_QUEUE], name=f"hocbaso-{os.getpid()}@{socket.gethostname()}")
            return
        if queues:
            raise CommandError("--queue cần HOCBASO_BROKER_URL.")
        ran = worker_loop(once=once, periodic=not once)  # without a broker there is no beat: the loop queues them
        if once:
            self.stdout.write(f"Đã chạy {ran} tác vụ.")
