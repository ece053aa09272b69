import sys

from django.core.management.base import BaseCommand

from hocbaso.tt27.cli import main as assess_main


class Command(BaseCommand):
    help = "Kiểm tra một học bạ (JSON hocbaso.record/3, /2 hoặc /1) theo Thông tư 27 và tính kết quả. Mã thoát: 0 hợp lệ, 1 không hợp lệ, 2 không đọc được."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Tệp JSON, hoặc - để đọc từ đầu vào chuẩn.")

    def handle(self, *args, file, **options):
        sys.exit(assess_main([file]))
