from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "hocbaso.exchange"
    label = "exchange"
    verbose_name = "Trao đổi dữ liệu (Excel, CSDL ngành)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The features' job handlers and the certified copies' file finder register on import, once the models are
        # loaded (the jobs app's autodiscovery only finds a top-level ``tasks`` module).
        # deferred: AppConfig.ready: models load first, then the archive job's handler registers
        from hocbaso.exchange.archive import tasks as _archive_tasks  # noqa: F401
        # deferred: AppConfig.ready: models load first, then the copy job's handler and the file finder register
        from hocbaso.exchange.copies import tasks as _copy_tasks  # noqa: F401
