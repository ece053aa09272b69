from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "hocbaso.records"
    verbose_name = "Học bạ"
