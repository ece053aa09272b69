"""URLs of the certified-copy pages (included into the ``exchange`` namespace)."""

from django.urls import path

from hocbaso.exchange.copies import views

urlpatterns = [
    path("nha-truong/<int:year_id>/ban-sao/", views.copies, name="copies"),
    path("ban-sao/de-nghi/<int:request_id>/ky/", views.copy_sign, name="copy_sign"),
    path("ban-sao/<int:copy_id>/tai-ve/", views.copy_download, name="copy_download"),
]
