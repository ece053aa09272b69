from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "hocbaso.signing"
    verbose_name = "Ký số"
