from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hocbaso.reports"
    verbose_name = "Thống kê"
