from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "hocbaso.documents"
    verbose_name = "Tài liệu học bạ"
