from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "hocbaso.directory"
    verbose_name = "Danh mục trường lớp"
