from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "hocbaso.audit"
    verbose_name = "Nhật ký thay đổi"
