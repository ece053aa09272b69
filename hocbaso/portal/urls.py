from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from hocbaso.portal import (accounts, app_views, job_views, lifecycle_views, pupil_year_views, record_views,
                            remote_views, search_views, views)

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", accounts.login_code, name="login_code"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("tai-khoan/xac-thuc-hai-buoc/", accounts.two_factor, name="two_factor"),
    path("tai-khoan/doi-mat-khau/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("truong/tai-khoan/", accounts.staff_passwords, name="staff_passwords"),
    path("ngon-ngu/", set_language, name="set_language"),
    path("lop/<int:class_id>/", views.class_detail, name="class_detail"),
    path("lop/<int:class_id>/nhap/<str:period>/<str:sheet>/", views.grid, name="grid"),
    path("lop/<int:class_id>/tong-hop/<str:period>/", views.summary, name="summary"),
    path("lop/<int:class_id>/tong-hop/<str:period>/pdf/", views.summary_pdf, name="summary_pdf"),
    path("lop/<int:class_id>/ket-qua-cuoi-nam/", views.results_assess, name="results_assess"),
    path("api/lop/<int:class_id>/danh-gia/<str:period>/", views.api_evaluations, name="api_evaluations"),
    path("api/loi-nhan-xet/", views.api_phrase_add, name="api_phrase_add"),
    path("api/loi-nhan-xet/<int:phrase_id>/xoa/", views.api_phrase_delete, name="api_phrase_delete"),
    # the installable app: its manifest, its service worker (at the root, so its scope covers every page), the
    # page it shows for a page not kept in the phone
    path("manifest.webmanifest", app_views.manifest, name="manifest"),
    path("sw.js", app_views.service_worker, name="service_worker"),
    path("ngoai-tuyen/", app_views.offline, name="offline"),
    # the record's lifecycle
    path("nha-truong/<int:year_id>/", lifecycle_views.school_dashboard, name="school_dashboard"),
    path("api/nha-truong/<int:year_id>/tim-hoc-sinh/", search_views.pupil_search, name="pupil_search"),
    path("nha-truong/<int:year_id>/chot-du-lieu/", lifecycle_views.school_lock, name="school_lock"),
    path("nha-truong/<int:year_id>/ky/", lifecycle_views.school_sign, name="school_sign"),
    path("nha-truong/<int:year_id>/phat-hanh/", lifecycle_views.school_issue, name="school_issue"),
    path("lop/<int:class_id>/chot-du-lieu/", lifecycle_views.class_lock, name="class_lock"),
    path("lop/<int:class_id>/mo-chot/", lifecycle_views.class_unlock, name="class_unlock"),
    path("lop/<int:class_id>/ky/", lifecycle_views.class_sign, name="class_sign"),
    path("lop/<int:class_id>/ky-mon/<str:subject>/", lifecycle_views.subject_signoff, name="subject_signoff"),
    path("lop/<int:class_id>/hoc-sinh/<int:enrolment_id>/hoc-ba.pdf", record_views.record_pdf, name="record_pdf"),
    path("lop/<int:class_id>/dieu-chinh/", record_views.corrections, name="corrections"),
    path("lop/<int:class_id>/sau-cuoi-nam/", pupil_year_views.pupil_year, name="pupil_year"),
    path("dieu-chinh/<int:correction_id>/<str:decision>/", record_views.correction_decide,
         name="correction_decide"),
    path("tac-vu/<int:job_id>/", job_views.job_detail, name="job"),
    path("tac-vu/<int:job_id>/huy/", job_views.job_cancel, name="job_cancel"),
    path("api/tac-vu/<int:job_id>/", job_views.api_job, name="api_job"),
    path("tai-khoan/chung-thu-so/", lifecycle_views.certificate, name="certificate"),
    path("tai-khoan/chu-ky-so/", remote_views.remote_account, name="remote_account"),
]
