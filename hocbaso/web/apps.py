from django.apps import AppConfig


class WebConfig(AppConfig):
    """An app only so that its English catalogue (locale/en) is found; it has no models."""

    name = "hocbaso.web"
    verbose_name = "Giao diện web dùng chung"
