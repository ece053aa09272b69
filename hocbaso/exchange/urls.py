"""URLs of the exchange app (data in and out). Included from the project's URLconf:
``path("", include("hocbaso.exchange.urls"))``."""

from django.urls import path

from hocbaso.exchange import views

app_name = "exchange"

urlpatterns = [
    path("chuyen-truong/<str:token>/", views.transfer_package, name="transfer"),
    path("nha-truong/<int:year_id>/du-lieu/", views.hub, name="hub"),
    path("nha-truong/<int:year_id>/du-lieu/nhap-hoc-sinh/", views.import_pupils, name="import_pupils"),
    path("nha-truong/<int:year_id>/du-lieu/xuat/<str:what>/", views.export, name="export"),
    path("nha-truong/<int:year_id>/chuyen-di/", views.transfer_create, name="transfer_create"),
    path("nha-truong/<int:year_id>/chuyen-den/", views.transfer_receive, name="transfer_receive"),
    path("nha-truong/<int:year_id>/ban-sao/", views.copies, name="copies"),
    path("ban-sao/de-nghi/<int:request_id>/ky/", views.copy_sign, name="copy_sign"),
    path("ban-sao/<int:copy_id>/tai-ve/", views.copy_download, name="copy_download"),
    path("nha-truong/<int:year_id>/luu-tru/", views.archive, name="archive"),
    path("luu-tru/<int:job_id>/tai-ve/", views.archive_download, name="archive_download"),
    path("lop/<int:class_id>/nhap-excel/", views.import_evaluations, name="import_evaluations"),
    path("lop/<int:class_id>/xuat-excel/<str:period>/", views.class_export, name="class_export"),
    path("phong-so/nhan-goi-hoc-ba/", views.receive, name="receive"),
]
