from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "hocbaso.demo"
    verbose_name = "Trường mẫu"
