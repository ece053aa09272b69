from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "hocbaso.jobs"
    verbose_name = "Tác vụ nền"
