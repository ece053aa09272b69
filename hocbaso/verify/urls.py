from django.urls import path

from hocbaso.verify import pki, views

app_name = "verify"

urlpatterns = [
    path("tra-cuu/", views.lookup_form, name="lookup"),
    path("tra-cuu/<str:code>/", views.status, name="status"),
    path("tra-cuu/<str:code>/tai-ve/", views.download, name="download"),
    path("tra-cuu/<str:code>/tai-ve-xml/", views.download_xml, name="download_xml"),
    path("kiem-tra-tep/", views.file_page, name="file"),
    path("nha-truong/nhat-ky-tra-cuu/", views.lookup_log, name="log"),
    path("api/v1/records/<str:code>", views.api_status, name="api_status"),
    path("api/v1/records/<str:code>/full", views.api_full, name="api_full"),
    path("api/v1/records/<str:code>/xml", views.api_xml, name="api_xml"),
    path("api/v1/records/<str:code>/pdf", views.api_pdf, name="api_pdf"),
    path("api/v1/files/check", views.api_file, name="api_file"),
    path("api/v1/openapi.json", views.api_openapi, name="api_openapi"),
    # the built-in CA's revocation services, at signing.revocation's paths (named in every certificate it issues)
    path("pki/issuing.crl", pki.crl, name="pki_crl"),
    path("pki/root.crl", pki.root_crl, name="pki_root_crl"),
    path("pki/ocsp", pki.ocsp, name="pki_ocsp"),
    path("pki/ocsp/<path:encoded>", pki.ocsp, name="pki_ocsp_get"),
]
