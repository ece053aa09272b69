from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "hocbaso.jobs"
    verbose_name = "Tác vụ nền"

    def ready(self):
        # Job kinds are registered by importing each installed app's ``tasks`` module (if it has one), so the
        # web process, ``hocbaso worker`` and ``hocbaso serve``'s worker thread all know the same kinds.
        autodiscover_modules("tasks")
