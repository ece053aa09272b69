"""Settings, read from environment variables with safe defaults: the only module that reads configuration from
the environment; every variable is listed in docs/configuration.md.

Zero-setup default: SQLite and files under ``HOCBASO_DATA_DIR`` (default ``./data``).
``DATABASE_URL=postgres://user@host:5432/name`` selects PostgreSQL.
Bad configuration is refused at start by the system checks in ``hocbaso.core.checks``.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


# Every environment variable the product reads is read here, through these helpers, and listed in
# docs/configuration.md (a test keeps the two equal). A value that does not parse stops the start with a
# Vietnamese message naming the variable.

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _refuse(message: str):
    raise ImproperlyConfigured(message) from None


def envstr(name: str, default: str) -> str:
    return os.getenv(name, default)


def envbool(name: str, default: str) -> bool:
    """1/0, true/false, yes/no, on/off (any case); empty is the default; anything else stops the start."""
    raw = os.getenv(name, default)
    word = raw.strip().lower() or default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    _refuse(f"{name} phải là 1/0, true/false, yes/no hoặc on/off; giá trị hiện tại: {raw!r}.")


def envint(name: str, default: str) -> int:
    raw = os.getenv(name, default)
    try:
        return int(raw)
    except ValueError:
        _refuse(f"{name} phải là một số nguyên; giá trị hiện tại: {raw!r}.")


def envint_or_none(name: str) -> int | None:
    """An integer, or None when the variable is unset or empty (the code then chooses)."""
    raw = os.getenv(name, "")
    if not raw.strip():
        return None
    try:
        return int(raw)
    except ValueError:
        _refuse(f"{name} phải là một số nguyên; giá trị hiện tại: {raw!r}.")


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.getenv(name, default)
    word = raw.strip().lower()
    if word not in choices:
        _refuse(f"{name} phải là một trong: {', '.join(choices)}; giá trị hiện tại: {raw!r}.")
    return word


def envlist(name: str, default: str) -> list[str]:
    """Comma-separated values."""
    return [part.strip() for part in os.getenv(name, default).split(",") if part.strip()]


def envpaths(name: str, default: str) -> list[str]:
    """Paths separated by ``os.pathsep`` (``:`` on Linux)."""
    return [part for part in os.getenv(name, default).split(os.pathsep) if part.strip()]


def envsecret(name: str, default: str) -> str:
    """A secret from NAME, or from the file that NAME_FILE names (Docker/systemd style)."""
    path = os.getenv(name + "_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.getenv(name, default)


def database_from_url(url: str, data_dir: Path) -> dict:
    """Django DATABASES['default'] for a DATABASE_URL (postgres:// or sqlite:///path)."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(data_dir / "hocbaso.sqlite3"),
                "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),  # a new SQLite connection re-reads the schema
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}
    parsed = urlparse(url)
    if parsed.scheme in ("postgres", "postgresql", "pgsql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "hocbaso",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", "60"),
            "TEST": {"NAME": envstr("DB_TEST_NAME", "") or None},
        }
    if parsed.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parsed.path) or ":memory:",
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"}}
    # Left for the system check hocbaso.E001 to report clearly.
    return {"ENGINE": "django.db.backends.dummy", "NAME": url}


DATA_DIR = Path(envstr("HOCBASO_DATA_DIR", "./data")).resolve()
DATABASE_URL = envstr("DATABASE_URL", "")
if not DATABASE_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": database_from_url(DATABASE_URL, DATA_DIR)}

DEBUG = envbool("DEBUG", "false")
# A fixed development key is used only when none is configured; the system check
# hocbaso.W001 warns about it, and hocbaso.E002 refuses it when DEBUG is off in production mode.
SECRET_KEY = envsecret("SECRET_KEY", "hocbaso-insecure-development-key-change-me")
PRODUCTION = envbool("HOCBASO_PRODUCTION", "false")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# The public address printed on records and in links; by default the address `hocbaso serve` listens on.
SITE_URL = envstr("SITE_URL", f"http://{envstr('HOCBASO_ADDRPORT', '127.0.0.1:8000')}").rstrip("/")
# Public verification limits (per hour, with a burst); see hocbaso/verify/ratelimit.py for the numbers.
VERIFY_LIMITS = {
    "status_burst": envint("VERIFY_STATUS_BURST", "30"), "status_per_hour": envint("VERIFY_STATUS_PER_HOUR", "120"),
    "factor_ip_burst": envint("VERIFY_FACTOR_IP_BURST", "10"),
    "factor_ip_per_hour": envint("VERIFY_FACTOR_IP_PER_HOUR", "30"),
    "factor_code_burst": envint("VERIFY_FACTOR_CODE_BURST", "5"),
    "factor_code_per_hour": envint("VERIFY_FACTOR_CODE_PER_HOUR", "10"),
    "factor_code_all_burst": envint("VERIFY_FACTOR_CODE_ALL_BURST", "30"),
    "factor_code_all_per_day": envint("VERIFY_FACTOR_CODE_ALL_PER_DAY", "100"),
    "file_burst": envint("VERIFY_FILE_BURST", "10"), "file_per_hour": envint("VERIFY_FILE_PER_HOUR", "60"),
}
VERIFY_MAX_UPLOAD = envint("VERIFY_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))
# Uploads of the data pages, per file: Excel workbooks (a school's pupil list is a few hundred KB), and sealed
# packages (a pupil's transfer package; each class package on the office's page). What a file may become once
# decompressed is capped in hocbaso/core/limits.py and hocbaso/exchange/excel/bounds.py.
EXCEL_MAX_UPLOAD = envint("HOCBASO_EXCEL_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))
PACKAGE_MAX_UPLOAD = envint("HOCBASO_PACKAGE_MAX_UPLOAD_BYTES", str(64 * 1024 * 1024))
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", "false")
JOBS_INLINE = envchoice("HOCBASO_JOBS", "worker", ("worker", "inline")) == "inline"
# Celery (hocbaso/jobs/broker.py): with a broker URL (redis://…, amqp://…) every long job is sent to the
# `hocbaso worker` processes through it; without one, jobs run as HOCBASO_JOBS says. The job's row stays the
# source of truth for progress, cancel and resume either way.
BROKER_URL = envstr("HOCBASO_BROKER_URL", "").strip()
BROKER_QUEUE = envstr("HOCBASO_BROKER_QUEUE", "hocbaso").strip()
# The queue of jobs that sign with a PKCS#11 token: only the worker on the machine with the token consumes it.
PKCS11_QUEUE = envstr("HOCBASO_PKCS11_QUEUE", "hocbaso-pkcs11").strip()
# A message a killed worker took is given to another worker after this many seconds (acks late).
BROKER_VISIBILITY_TIMEOUT = envint("HOCBASO_BROKER_VISIBILITY_TIMEOUT", "600")
# A running job whose heartbeat is older than this is taken over by another worker (which resumes it).
JOB_STALE_SECONDS = envint("HOCBASO_JOB_STALE_SECONDS", "120")
# Without a broker, the loop of `hocbaso serve` (and of `hocbaso worker`) looks this often whether a periodic job
# (the automatic lock, the orphan-file sweep, the archive renewal) is due; with one, celery beat queues them.
PERIODIC_CHECK_SECONDS = envint("HOCBASO_PERIODIC_CHECK_SECONDS", "60")

# The audit log: its hash chain is keyed with HOCBASO_AUDIT_KEY (default: derived from SECRET_KEY), and
# `hocbaso audit seal` appends the chain's head to an anchor store outside the database.
AUDIT_KEY = envsecret("HOCBASO_AUDIT_KEY", "")
AUDIT_ANCHOR_DIR = Path(envstr("HOCBASO_AUDIT_ANCHOR_DIR", str(DATA_DIR / "audit-anchors"))).resolve()

# Signing (ký số). The built-in certificate authority lives in DATA_DIR/pki; its keys are encrypted with
# HOCBASO_CA_PASSPHRASE, and users' keys under their PIN mixed with HOCBASO_PIN_PEPPER (neither is stored
# in the pki folder; both default to values derived from SECRET_KEY).
PKI_DIR = Path(envstr("HOCBASO_PKI_DIR", str(DATA_DIR / "pki"))).resolve()
# With HOCBASO_PKI_IN_STORAGE the CA and the users' encrypted keys live in the file storage (the shared bucket) under
# pki/, read into memory when a signer opens them: any worker machine signs without a pki folder of its own.
PKI_IN_STORAGE = envbool("HOCBASO_PKI_IN_STORAGE", "false")
CA_PASSPHRASE = envsecret("HOCBASO_CA_PASSPHRASE", "")
PIN_PEPPER = envsecret("HOCBASO_PIN_PEPPER", "")
TSA_URL = envstr("HOCBASO_TSA_URL", "").strip() or None  # an RFC 3161 server → PAdES B-T, else B-B
# Long-term validation (docs/long-term-validation.md): issued records carry PAdES B-LT (B-LTA with a TSA);
# HOCBASO_LTV_FETCH lets issuance fetch other CAs' OCSP/CRL (a national TSA's chain); archive time stamps are
# renewed when the last one's TSA certificate expires within HOCBASO_ARCHIVE_RENEW_DAYS.
LTV = envbool("HOCBASO_LTV", "true")
LTV_FETCH = envbool("HOCBASO_LTV_FETCH", "false")
ARCHIVE_RENEW_DAYS = envint("HOCBASO_ARCHIVE_RENEW_DAYS", "365")
# Trust roots for verification: PEM files (the national root CA, …), separated by ":". The deployment's own
# built-in CA is trusted too unless HOCBASO_TRUST_BUILTIN_CA=false.
HOCBASO_TRUST_ROOTS = envpaths("HOCBASO_TRUST_ROOTS", "")
TRUST_BUILTIN_CA = envbool("HOCBASO_TRUST_BUILTIN_CA", "true")
SIGN_PIN_ATTEMPTS = envint("HOCBASO_SIGN_PIN_ATTEMPTS", "5")
# Remote signing services whose users confirm on the phone (docs/remote-signing.md): each is offered once its
# address is set; the relying party's secret may come from a file (…_FILE).
REMOTE_SIGNING = {
    name: service for name, service in (
        ("smartca", {"url": envstr("HOCBASO_SMARTCA_URL", "").strip(),
                     "client_id": envstr("HOCBASO_SMARTCA_SP_ID", "").strip(),
                     "secret": envsecret("HOCBASO_SMARTCA_SP_PASSWORD", ""),
                     "max_hashes": envint_or_none("HOCBASO_SMARTCA_MAX_HASHES")}),
        ("mysign", {"url": envstr("HOCBASO_MYSIGN_URL", "").strip(),
                    "client_id": envstr("HOCBASO_MYSIGN_CLIENT_ID", "").strip(),
                    "secret": envsecret("HOCBASO_MYSIGN_CLIENT_SECRET", ""),
                    "profile_id": envstr("HOCBASO_MYSIGN_PROFILE_ID", "adss:ras:profile:001").strip(),
                    "max_hashes": envint_or_none("HOCBASO_MYSIGN_MAX_HASHES")}),
    ) if service["url"]
}
REMOTE_SIGN_TIMEOUT = envint("HOCBASO_REMOTE_SIGN_TIMEOUT", "300")  # seconds the user has to confirm on the phone
REMOTE_SIGN_POLL_MS = envint("HOCBASO_REMOTE_SIGN_POLL_MS", "3000")  # how often the service is asked meanwhile
# Sign-in throttling (passwords and two-factor codes), hocbaso/portal/throttle.py: free failures per account and
# per address (IPv6 by /64), then a doubling wait up to backoff_max seconds.
SIGN_IN_LIMITS = {
    "account_free": envint("HOCBASO_LOGIN_ACCOUNT_FREE_FAILURES", "5"),
    "address_free": envint("HOCBASO_LOGIN_ADDRESS_FREE_FAILURES", "30"),
    "backoff_max": envint("HOCBASO_LOGIN_BACKOFF_MAX_SECONDS", "900"),
}
# Records a signing batch signs and commits together: an interrupted batch loses at most one chunk's work, and
# each commit costs a pause of the signature workers (200 against 50: a school's principal batch 17 % faster).
SIGN_CHUNK = envint("HOCBASO_SIGN_CHUNK", "200")
# Processes that prepare a large signing batch's updates (and compile class packages' sheets): None, every
# usable CPU; 0 or 1, everything in the calling process.
SIGN_WORKERS = envint_or_none("HOCBASO_SIGN_WORKERS")
# Worker processes run with jemalloc preloaded when it is installed (see hocbaso/core/workers.py).
WORKER_JEMALLOC = envbool("HOCBASO_WORKER_JEMALLOC", "true")
# The address `hocbaso serve` listens on when none is given on its command line.
SERVE_ADDRPORT = envstr("HOCBASO_ADDRPORT", "127.0.0.1:8000")

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",  # `hocbaso serve`: static files through WhiteNoise and the middleware, compressed
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "hocbaso.core",
    "hocbaso.audit",
    "hocbaso.directory",
    "hocbaso.assessment",
    "hocbaso.records",
    "hocbaso.signing",
    "hocbaso.jobs",
    "hocbaso.verify",
    "hocbaso.reports",
    "hocbaso.documents",
    "hocbaso.web",
    "hocbaso.portal",
    "hocbaso.exchange",
    "hocbaso.demo",
]

MIDDLEWARE = [
    "hocbaso.web.compression.CompressionMiddleware",  # brotli or gzip for pages, JSON and static files (first)
    "hocbaso.verify.middleware.PublicVerifyMiddleware",  # the public status page and API: a short path
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hocbaso.web.headers.SecurityHeadersMiddleware",  # CSP, no-store, HSTS (static files keep their caching)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hocbaso.web.language.ChosenLanguageMiddleware",  # Vietnamese unless the user chose English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hocbaso.portal.middleware.TemporaryPasswordMiddleware",  # a password the principal set: change it first
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hocbaso.urls"
CSRF_FAILURE_VIEW = "hocbaso.web.errors.csrf_failure"  # Vietnamese, saying what to do (handler403… in urls.py)
WSGI_APPLICATION = "hocbaso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

PASSWORD_HASHERS = [
    "hocbaso.portal.passwords.Argon2PasswordHasher",  # OWASP's setting: see its docstring
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # Django's rule with a Vietnamese message (Django's own catalogue has an older wording of it).
    {"NAME": "hocbaso.portal.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"
# Static files are served by WhiteNoise (compressed, cached forever under hashed names in production,
# where `hocbaso collectstatic` runs first); in development it reads the apps' folders directly.
# Files the app writes and serves (drafts, signed PDFs, packages, archives, copies): the local folder MEDIA_ROOT, or
# an S3-compatible bucket when HOCBASO_S3_BUCKET is set (django-storages with boto3), so that several web and
# worker machines see the same files. Private: downloads go through the app's permission checks.
S3_BUCKET = envstr("HOCBASO_S3_BUCKET", "").strip()
# The stored files a page hands out (archives, certified copies, issued records) are, from a bucket, a redirect to
# a pre-signed URL valid this many seconds, fetched from the bucket by the browser after the app's checks;
# 0: the web process streams them (a bucket the browsers cannot reach).
S3_URL_EXPIRY = envint("HOCBASO_S3_URL_EXPIRY", "300")
S3_OPTIONS = {
    "bucket_name": S3_BUCKET,
    "endpoint_url": envstr("HOCBASO_S3_ENDPOINT_URL", "").strip() or None,
    "region_name": envstr("HOCBASO_S3_REGION", "").strip() or None,
    "access_key": envsecret("HOCBASO_S3_ACCESS_KEY", "") or None,
    "secret_key": envsecret("HOCBASO_S3_SECRET_KEY", "") or None,
    "location": envstr("HOCBASO_S3_PREFIX", "").strip("/"),
    "default_acl": "private", "file_overwrite": False,
    "querystring_auth": True, "querystring_expire": S3_URL_EXPIRY if S3_URL_EXPIRY > 0 else 300,
    "signature_version": "s3v4",  # pre-signed addresses signed with SigV4 (X-Amz-Expires), not the retired SigV2
}
STORAGES = {
    "default": ({"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": S3_OPTIONS} if S3_BUCKET
                else {"BACKEND": "django.core.files.storage.FileSystemStorage"}),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
try:  # WhiteNoise warns on every request when the folder is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A sign-in lasts a working day (then the password again), not Django's two weeks: a phone or a school computer
# left signed in is not open for a fortnight.
SESSION_COOKIE_AGE = envint("HOCBASO_SESSION_HOURS", "10") * 3600
# Strict-Transport-Security when SITE_URL is https:// (hocbaso.web.headers); 0 turns it off.
HSTS_SECONDS = envint("HOCBASO_HSTS_SECONDS", str(365 * 24 * 3600))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
