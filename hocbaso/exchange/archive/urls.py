"""URLs of the year-end archive (included into the ``exchange`` namespace)."""

from django.urls import path

from hocbaso.exchange.archive import views

urlpatterns = [
    path("nha-truong/<int:year_id>/luu-tru/", views.archive, name="archive"),
    path("luu-tru/<int:job_id>/tai-ve/", views.archive_download, name="archive_download"),
]
