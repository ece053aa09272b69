from django.apps import AppConfig


class VerifyConfig(AppConfig):
    name = "hocbaso.verify"
    verbose_name = "Tra cứu, xác thực học bạ"
