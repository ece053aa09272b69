from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "hocbaso.exchange"
    label = "exchange"
    verbose_name = "Trao đổi dữ liệu (Excel, CSDL ngành)"
    default_auto_field = "django.db.models.BigAutoField"
