from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hocbaso.portal"
    verbose_name = "Cổng nhà trường"
