from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class PortalConfig(AppConfig):
    name = "hocbaso.portal"
    verbose_name = "Cổng nhà trường"

    def ready(self):
        # deferred: AppConfig.ready: models load first
        from hocbaso.portal.accounts import certificate_change_notice, temporary_password_mark

        user_logged_in.connect(temporary_password_mark, dispatch_uid="hocbaso-temporary-password")
        user_logged_in.connect(certificate_change_notice, dispatch_uid="hocbaso-certificate-change")
