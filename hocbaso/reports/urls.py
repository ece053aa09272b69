from django.urls import path

from hocbaso.reports import views

app_name = "reports"
urlpatterns = [
    path("thong-ke/", views.statistics, name="statistics"),
    path("thong-ke/<slug:level>/<str:key>/", views.dashboard, name="dashboard"),
    path("thong-ke/<slug:level>/<str:key>/bieu-do-<slug:chart>.svg", views.chart, name="chart"),
    path("thong-ke/<slug:level>/<str:key>/so-lieu.xlsx", views.workbook, name="workbook"),
]
