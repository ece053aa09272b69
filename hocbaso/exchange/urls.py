"""URLs of the exchange app. Include from the project's URLconf: ``path("", include("hocbaso.exchange.urls"))``."""

from django.urls import path

from hocbaso.exchange import views

app_name = "exchange"

urlpatterns = [
    path("chuyen-truong/<str:token>/", views.transfer_package, name="transfer"),
]
