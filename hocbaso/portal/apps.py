from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class PortalConfig(AppConfig):
    name = "hocbaso.portal"
    verbose_name = "Cổng nhà trường"

    def ready(self):
        from hocbaso.portal.accounts import temporary_password_mark  # deferred: AppConfig.ready: models load first

        user_logged_in.connect(temporary_password_mark, dispatch_uid="hocbaso-temporary-password")
