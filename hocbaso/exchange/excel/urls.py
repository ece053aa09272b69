"""URLs of the Excel pages (included into the ``exchange`` namespace by ``exchange.urls``)."""

from django.urls import path

from hocbaso.exchange.excel import summary_views, views

urlpatterns = [
    path("nha-truong/<int:year_id>/du-lieu/nhap-hoc-sinh/", views.import_pupils, name="import_pupils"),
    path("lop/<int:class_id>/nhap-excel/", views.import_evaluations, name="import_evaluations"),
    path("lop/<int:class_id>/xuat-excel/<str:period>/", views.class_export, name="class_export"),
    path("lop/<int:class_id>/tong-hop/<str:period>/excel/", summary_views.class_summary_xlsx, name="summary_xlsx"),
]
