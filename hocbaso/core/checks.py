"""System checks that refuse bad configuration at start (ids hocbaso.E00x / W00x)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEV_KEY_PREFIX = "hocbaso-insecure"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "testserver"}


@register(Tags.database)
def check_database(app_configs, **kwargs):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("dummy"):
        return [Error(
            "DATABASE_URL không hợp lệ: chỉ hỗ trợ postgres://… hoặc sqlite:///…",
            hint=f"Giá trị hiện tại: {settings.DATABASES['default']['NAME']!r}",
            id="hocbaso.E001",
        )]
    return []


@register()
def check_secrets_and_paths(app_configs, **kwargs):
    problems = []
    if settings.SECRET_KEY.startswith(DEV_KEY_PREFIX):
        if settings.PRODUCTION:
            problems.append(Error(
                "SECRET_KEY chưa được đặt cho môi trường vận hành (HOCBASO_PRODUCTION=1).",
                hint="Đặt biến môi trường SECRET_KEY hoặc SECRET_KEY_FILE.", id="hocbaso.E002"))
        elif set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS:
            problems.append(Warning(
                "Đang dùng SECRET_KEY mặc định dành cho phát triển.",
                hint="Đặt SECRET_KEY trước khi đưa vào sử dụng thật.", id="hocbaso.W001"))
    if settings.PRODUCTION and settings.DEBUG:
        problems.append(Error("Không được bật DEBUG khi HOCBASO_PRODUCTION=1.", id="hocbaso.E003"))
    data_dir = settings.DATA_DIR
    if data_dir.exists() and not data_dir.is_dir():
        problems.append(Error(f"HOCBASO_DATA_DIR trỏ tới một tệp, không phải thư mục: {data_dir}",
                              id="hocbaso.E004"))
    if not settings.SITE_URL.startswith(("http://", "https://")):
        problems.append(Error("SITE_URL phải bắt đầu bằng http:// hoặc https://", id="hocbaso.E005"))
    if settings.SIGN_CHUNK < 1:
        problems.append(Error(f"HOCBASO_SIGN_CHUNK phải là số nguyên từ 1 trở lên (hiện là {settings.SIGN_CHUNK}).",
                              id="hocbaso.E006"))
    if settings.SIGN_WORKERS is not None and settings.SIGN_WORKERS < 0:
        problems.append(Error(f"HOCBASO_SIGN_WORKERS phải là số nguyên từ 0 trở lên (hiện là {settings.SIGN_WORKERS}).",
                              id="hocbaso.E007"))
    if settings.JOB_STALE_SECONDS < 4:
        problems.append(Error(f"HOCBASO_JOB_STALE_SECONDS phải là số nguyên từ 4 trở lên (hiện là "
                              f"{settings.JOB_STALE_SECONDS}).", id="hocbaso.E008"))
    if settings.BROKER_URL and not settings.BROKER_URL.startswith(("redis://", "rediss://", "amqp://", "amqps://")):
        problems.append(Error("HOCBASO_BROKER_URL phải bắt đầu bằng redis://, rediss://, amqp:// hoặc amqps://",
                              hint="Ví dụ: redis://127.0.0.1:6379/0", id="hocbaso.E009"))
    return problems


@register()
def check_access_settings(app_configs, **kwargs):
    """Sign-in and security-header settings (ids E021–E029, kept apart from the others')."""
    problems = []
    if settings.SESSION_COOKIE_AGE < 3600:
        problems.append(Error(f"HOCBASO_SESSION_HOURS phải là số nguyên từ 1 trở lên (hiện là "
                              f"{settings.SESSION_COOKIE_AGE // 3600}).", id="hocbaso.E021"))
    if settings.HSTS_SECONDS < 0:
        problems.append(Error(f"HOCBASO_HSTS_SECONDS phải là số nguyên từ 0 trở lên (hiện là {settings.HSTS_SECONDS}).",
                              id="hocbaso.E022"))
    return problems


@register()
def check_sign_in_limits(app_configs, **kwargs):
    names = {"account_free": "HOCBASO_LOGIN_ACCOUNT_FREE_FAILURES", "address_free": "HOCBASO_LOGIN_ADDRESS_FREE_FAILURES",
             "backoff_max": "HOCBASO_LOGIN_BACKOFF_MAX_SECONDS"}
    return [Error(f"{names[key]} phải là số nguyên từ 1 trở lên (hiện là {value}).", id="hocbaso.E023")
            for key, value in settings.SIGN_IN_LIMITS.items() if value < 1]


@register()
def check_audit_anchoring(app_configs, **kwargs):
    """The audit chain's key and anchor store (docs/security.md, "Audit log")."""
    problems = []
    if settings.PRODUCTION and not settings.AUDIT_KEY:
        problems.append(Warning(
            "HOCBASO_AUDIT_KEY chưa được đặt: khóa của nhật ký thay đổi đang suy ra từ SECRET_KEY, đổi SECRET_KEY "
            "sẽ làm nhật ký cũ không kiểm tra được.",
            hint="Đặt HOCBASO_AUDIT_KEY hoặc HOCBASO_AUDIT_KEY_FILE (giữ ngoài cơ sở dữ liệu).", id="hocbaso.W020"))
    anchors = settings.AUDIT_ANCHOR_DIR
    if anchors.exists() and not anchors.is_dir():
        problems.append(Error(f"HOCBASO_AUDIT_ANCHOR_DIR trỏ tới một tệp, không phải thư mục: {anchors}",
                              id="hocbaso.E020"))
    return problems


@register()
def check_remote_signing(app_configs, **kwargs):
    """The remote signing services (ids E040–E044): a configured service needs HTTPS (plain HTTP only on this
    machine, for tests and simulators), its relying party's id and secret; sane waiting times."""
    problems = []
    names = {"smartca": ("HOCBASO_SMARTCA", "SP_ID", "SP_PASSWORD"),
             "mysign": ("HOCBASO_MYSIGN", "CLIENT_ID", "CLIENT_SECRET")}
    for service, config in settings.REMOTE_SIGNING.items():
        prefix, id_name, secret_name = names[service]
        url = config["url"]
        local = url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not (url.startswith("https://") or local):
            problems.append(Error(f"{prefix}_URL phải bắt đầu bằng https:// (hiện là {url!r}).", id="hocbaso.E040"))
        if not config["client_id"]:
            problems.append(Error(f"Đã đặt {prefix}_URL nhưng thiếu {prefix}_{id_name}.", id="hocbaso.E041"))
        if not config["secret"]:
            problems.append(Error(f"Đã đặt {prefix}_URL nhưng thiếu {prefix}_{secret_name} "
                                  f"(hoặc {prefix}_{secret_name}_FILE).", id="hocbaso.E042"))
        if config["max_hashes"] is not None and config["max_hashes"] < 1:
            problems.append(Error(f"{prefix}_MAX_HASHES phải là số nguyên từ 1 trở lên.", id="hocbaso.E043"))
    if settings.REMOTE_SIGN_TIMEOUT < 10 or settings.REMOTE_SIGN_POLL_MS < 100:
        problems.append(Error("HOCBASO_REMOTE_SIGN_TIMEOUT phải từ 10 giây và HOCBASO_REMOTE_SIGN_POLL_MS từ 100 "
                              "mili giây trở lên.", id="hocbaso.E044"))
    return problems
