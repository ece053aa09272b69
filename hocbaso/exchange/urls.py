"""URLs of the exchange app (data in and out). Included from the project's URLconf:
``path("", include("hocbaso.exchange.urls"))``. Each feature's URLs are included here into the one ``exchange``
namespace (the features' ``urls`` have no ``app_name``), so every name reads ``exchange:<name>``."""

from django.urls import include, path

from hocbaso.exchange import views

app_name = "exchange"

urlpatterns = [
    path("nha-truong/<int:year_id>/du-lieu/", views.hub, name="hub"),
    path("nha-truong/<int:year_id>/du-lieu/xuat/<str:what>/", views.export, name="export"),
    path("", include("hocbaso.exchange.excel.urls")),
    path("", include("hocbaso.exchange.transfer.urls")),
    path("", include("hocbaso.exchange.copies.urls")),
    path("", include("hocbaso.exchange.archive.urls")),
    path("", include("hocbaso.exchange.submission.urls")),
]
