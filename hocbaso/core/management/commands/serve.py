import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from hocbaso.demo.guard import demo_refusal
from hocbaso.jobs.services import worker_loop


class Command(BaseCommand):
    help = "Chạy ứng dụng web với trường mẫu đã nạp; in các tài khoản mẫu."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default=settings.SERVE_ADDRPORT)
        parser.add_argument("--no-demo", action="store_true", help="Không nạp trường mẫu.")

    def handle(self, *args, addrport, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)  # a no-op through the CLI, which migrates first
        if not no_demo:
            refusal = demo_refusal()
            if refusal:
                raise CommandError(f"{refusal} Chạy với --no-demo để không nạp trường mẫu.")
            # The finished and the open year before the server answers; the earlier years' records in the
            # background (the worker thread below, or the broker's workers), their progress on the job's page.
            self.stdout.write("Nạp trường mẫu…")
            call_command("demo", "--if-missing", "--earlier-in-background")
        # Zero-setup: long jobs run in a worker thread of this process, which also queues the periodic jobs (the
        # automatic lock, the orphan sweep, the archive renewal); production runs `hocbaso worker` (with a broker,
        # HOCBASO_BROKER_URL, only there, and `hocbaso beat` for the periodic jobs).
        if not settings.BROKER_URL:
            threading.Thread(target=worker_loop, kwargs={"periodic": True}, name="hocbaso-worker",
                             daemon=True).start()
        self.stdout.write(self.style.SUCCESS(f"Mở trình duyệt tại http://{addrport}/"))
        # --insecure: runserver serves the static files itself even with DEBUG off (development only).
        call_command("runserver", addrport, use_reloader=False, insecure_serving=True)
