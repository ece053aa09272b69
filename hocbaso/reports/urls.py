from django.urls import path

from hocbaso.reports import views

app_name = "reports"
urlpatterns = [path("thong-ke/", views.statistics, name="statistics")]
