from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "hocbaso.exchange"
    label = "exchange"
    verbose_name = "Trao đổi dữ liệu (Excel, CSDL ngành)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # deferred: the features' job handlers and the certified copies' file finder register on import, once the
        # models are loaded (the jobs app's autodiscovery only finds a top-level ``tasks`` module)
        from hocbaso.exchange.archive import tasks as _archive_tasks  # noqa: F401
        from hocbaso.exchange.copies import tasks as _copy_tasks  # noqa: F401
