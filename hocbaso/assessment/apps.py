from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "hocbaso.assessment"
    verbose_name = "Đánh giá"
