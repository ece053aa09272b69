"""URLs of the office's page that checks the packages schools submit (included into the ``exchange``
namespace); the school's submission itself is a download of the data page (``exchange:export``)."""

from django.urls import path

from hocbaso.exchange.submission import views

urlpatterns = [
    path("phong-so/nhan-goi-hoc-ba/", views.receive, name="receive"),
]
