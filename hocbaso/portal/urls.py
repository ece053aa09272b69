from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from hocbaso.portal import accounts, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", accounts.login_code, name="login_code"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/xac-thuc-hai-buoc/", accounts.two_factor, name="two_factor"),
    path("ngon-ngu/", set_language, name="set_language"),
    path("lop/<int:class_id>/", views.class_detail, name="class_detail"),
    path("lop/<int:class_id>/nhap/<str:period>/<str:sheet>/", views.grid, name="grid"),
    path("lop/<int:class_id>/tong-hop/<str:period>/", views.summary, name="summary"),
    path("lop/<int:class_id>/tong-hop/<str:period>/excel/", views.summary_xlsx, name="summary_xlsx"),
    path("lop/<int:class_id>/tong-hop/<str:period>/pdf/", views.summary_pdf, name="summary_pdf"),
    path("lop/<int:class_id>/ket-qua-cuoi-nam/", views.results_assess, name="results_assess"),
    path("api/lop/<int:class_id>/danh-gia/<str:period>/", views.api_evaluations, name="api_evaluations"),
]
