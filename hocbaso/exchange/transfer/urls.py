"""URLs of the transfer pages and the public transfer link (included into the ``exchange`` namespace)."""

from django.urls import path

from hocbaso.exchange.transfer import views

urlpatterns = [
    path("chuyen-truong/", views.transfer_package, name="transfer"),
    path("nha-truong/<int:year_id>/chuyen-di/", views.transfer_create, name="transfer_create"),
    path("nha-truong/<int:year_id>/chuyen-den/", views.transfer_receive, name="transfer_receive"),
]
