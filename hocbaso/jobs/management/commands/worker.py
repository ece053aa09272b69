from django.core.management.base import BaseCommand

from hocbaso.jobs.services import worker_loop


class Command(BaseCommand):
    help = "Chạy tác vụ nền (xuất PDF, ký số, phát hành…) cho đến khi dừng; --once: chạy hết hàng đợi rồi thoát."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, once, **options):
        ran = worker_loop(once=once)
        if once:
            self.stdout.write(f"Đã chạy {ran} tác vụ.")
