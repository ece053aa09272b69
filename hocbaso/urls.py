from django.urls import include, path

urlpatterns = [
    path("", include("hocbaso.verify.urls")),
    path("", include("hocbaso.reports.urls")),
    path("", include("hocbaso.portal.urls")),
    path("", include("hocbaso.exchange.urls")),
]
