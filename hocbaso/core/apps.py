from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "hocbaso.core"
    verbose_name = "Hệ thống"

    def ready(self):
        # deferred: AppConfig.ready: the system checks register once the apps are loaded
        from hocbaso.core import checks  # noqa: F401  (registers the system checks)
