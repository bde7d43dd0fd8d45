"""Settings for Consult, all read from the environment (see README, "Configuration").

With no variables set apart from DEBUG=1 the site runs on the embedded default: SQLite, a Whoosh
index on disk, background tasks run in process, emails printed to the console. Production sets
SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CACHE_URL, CELERY_BROKER_URL, EMAIL_URL and friends.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from consult.env import cache_from_url, email_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CONSULT_VAR_DIR", str(BASE_DIR / "var")))

# --- Core --------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production-0123456789")
else:
    SECRET_KEY = env_str("SECRET_KEY")  # required: signs sessions, tokens and comment links
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Public address used in emails sent outside a request (tasks, reminders), dossiers and receipts.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not DEBUG:
    # Links in emails, dossiers and receipts to this machine would point nowhere for their readers.
    _site = urlsplit(SITE_URL)
    _site_host = (_site.hostname or "").lower()
    if (
        _site.scheme not in ("http", "https")
        or not _site_host
        or _site_host in ("localhost", "::1", "0.0.0.0")
        or _site_host.endswith(".localhost")
        or _site_host.startswith("127.")
    ):
        raise ImproperlyConfigured(
            f"SITE_URL={SITE_URL!r}: when DEBUG is off, set SITE_URL to the site's public "
            "address (https://…); links in emails, dossiers and receipts use it."
        )
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    # The widgets' templates, for the project's form renderer (core.forms.ConsultFormRenderer).
    "django.forms",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "haystack",
    "markdownx",
    "django_comments_xtd",
    "django_comments",
    "core",
    "accounts",
    "proposals",
    "consultations",
    "registrations",
    "search",
    "rest_framework",
    "drf_spectacular",
    "api",
    "consult",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous pages kept whole until the next write, before sessions and the rest.
    "core.earlycache.EarlyPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body (CSRF reads the form), after the language is known.
    "core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, also moving the backend path sessions stored before accounts.backends.
    "accounts.backends.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.devices.KnownDeviceMiddleware",
    # Last, so that its 400 page is in the visitor's language and gets every header above.
    "core.middleware.ControlCharactersMiddleware",
]

ROOT_URLCONF = "consult.urls"
WSGI_APPLICATION = "consult.wsgi.application"
ASGI_APPLICATION = "consult.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site",
            ],
        },
    },
]

FORM_RENDERER = "core.forms.ConsultFormRenderer"

# --- Database, cache, sessions -----------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'consult.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Wait for the write lock instead of failing at once when two requests write together:
    # IMMEDIATE transactions take the lock when they begin, so the timeout applies.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# PostgreSQL: the hottest statements (`core.sql`) prepared once per connection. Off (0) behind a
# pooler that shares server connections by transaction without keeping prepared statements apart.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url(env_str("CACHE_URL", "locmem://"))}
# Django's cached_db sessions, taking only session keys in the shape Django makes them.
SESSION_ENGINE = "core.sessions"

# --- Accounts ----------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's and allauth's, reading the signed-in person and profile with one statement;
    # sessions signed in with the paths of before are moved to these (accounts.backends).
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:dashboard"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Sign-up also asks for the public display name and the consent to the legal texts.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Consult] "
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins to one account from every address together, per hour (accounts.adapter).
LOGIN_FAILED_PER_ACCOUNT = env_int("LOGIN_FAILED_PER_ACCOUNT", 100)
# A browser that signed in to an account before still may while that limit pauses it
# (accounts.devices): this long after its last sign-in.
KNOWN_DEVICE_DAYS = env_int("KNOWN_DEVICE_DAYS", 180)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # "key" is the (account, client address) pair (accounts.adapter): nobody can lock the owner
    # out from elsewhere; LOGIN_FAILED_PER_ACCOUNT bounds guessing spread over many addresses.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip,50/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Consult"
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Organisation invitations.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

# --- Internationalisation ----------------------------------------------------------------------

LANGUAGE_CODE = "ro"
LANGUAGES = [("ro", "Română"), ("bg", "Български"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times as people write them in each language (consult/formats/__init__.py).
FORMAT_MODULE_PATH = ["consult.formats"]
LANGUAGE_COOKIE_NAME = "consult_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Bucharest"
# An organisation's dates are shown in its country's zone.
COUNTRY_TIME_ZONES = {"RO": "Europe/Bucharest", "BG": "Europe/Sofia"}

# --- Static and media files --------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FORMS_URLFIELD_ASSUME_HTTPS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# The proposal editor posts up to 8 fields for each of up to 2,000 blocks.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# --- Email -------------------------------------------------------------------------------------

globals().update(email_from_url(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Consult <no-reply@consult.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Exports -----------------------------------------------------------------------------------

# Rows of a synthesis laid out by WeasyPrint at a time: it holds a whole document's layout in
# memory (about 70 MB for 250 long rows, 25 pages) and lays out some 15 rows a second. A
# synthesis with more rows gets its PDF in parts, joined, prepared once in the background.
SYNTHESIS_PDF_PART_ROWS = env_int("SYNTHESIS_PDF_PART_ROWS", 250)
# Rows of a synthesis's table its page shows at a time.
SYNTHESIS_PAGE_ROWS = 100

# --- Background tasks --------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
# Without a broker, tasks run in process when they are queued (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A Redis broker that does not answer (its host gone, packets dropped, a connection kept open
# to a server that stopped) fails a try in this many seconds, not the system's minutes or
# never: a request that queues a task then goes on without it (`core.background.queue`). Above
# the worker's own one-second waits for messages. RabbitMQ's connections have their own
# timeout (4 s).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 3}
# Who sends the emails of an event (core.mail): "celery" (a task queued at commit), "thread"
# (the event stored in its transaction, sent after the response by a thread of the process: the
# embedded default, where a task would run inside the request) or "manual" (stored, sent by
# `manage.py send_notifications`, e.g. from cron).
NOTIFICATION_EMAILS = env_str("NOTIFICATION_EMAILS", "celery" if CELERY_BROKER_URL else "thread")
if NOTIFICATION_EMAILS not in {"celery", "thread", "manual"}:
    raise ImproperlyConfigured("NOTIFICATION_EMAILS must be celery, thread or manual.")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Whoosh takes one writer: the search queue has a queue of its own, for one worker process.
CELERY_TASK_ROUTES = {"search.tasks.drain_index_queue": {"queue": "search"}}
# Scheduled tasks (run `celery -A consult beat` next to a worker; or cron the management
# commands, see README).
CELERY_BEAT_SCHEDULE = {
    "consultation-stage-events": {
        "task": "consultations.tasks.process_stage_events",
        "schedule": 300.0,
    },
    # Registered participants are reminded once, the day before their meeting.
    "meeting-reminders": {
        "task": "consultations.tasks.send_meeting_reminders",
        "schedule": 900.0,
    },
    # The public data dump served at /api/v1/exports/ (api.exports), rebuilt every night.
    "public-data-export": {
        "task": "api.tasks.export_public_data",
        "schedule": crontab(hour=3, minute=15),
    },
    "answer-reminders": {
        "task": "registrations.tasks.send_answer_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Imports started and never confirmed (their files included).
    "purge-imports": {
        "task": "proposals.tasks.purge_imports",
        "schedule": crontab(minute=40),
    },
    # Events stored while the broker could not be reached, and failed ones' retries (core.mail).
    "stored-notifications": {
        "task": "core.tasks.send_stored_notifications",
        "schedule": 60.0,
    },
    # Tokens of forms sent (core.idempotency), after FORM_TOKEN_DAYS.
    "purge-form-tokens": {
        "task": "core.tasks.purge_form_tokens",
        "schedule": crontab(hour=4, minute=20),
    },
}
# How long a sent form's token is remembered: a resend within it lands on the first result.
FORM_TOKEN_DAYS = env_int("FORM_TOKEN_DAYS", 7)

# --- Registration with authorities -------------------------------------------------------------

# Legal answer terms per country, in calendar days from registration, and the one extension.
# Romania: OG 27/2002 on petitions (30 days, extendable once by 15).
# Bulgaria: the same pattern is used until the term for proposals sent to an authority is
# confirmed (the Administrative Procedure Code sets its own terms; change the numbers here).
ANSWER_TERMS = {
    "RO": {"days": 30, "extension": 15},
    "BG": {"days": 30, "extension": 15},
}
# Registrars are reminded of answers due within this many working days.
ANSWER_REMINDER_WORKING_DAYS = 5

# --- Search ------------------------------------------------------------------------------------

SEARCH_URL = env_str("SEARCH_URL", "")
if SEARCH_URL:
    # Scale-out: haystack's own Elasticsearch 7 backend, e.g. http://search:9200/consult
    _es_url, _, _es_index = SEARCH_URL.rpartition("/")
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
            "URL": _es_url,
            "INDEX_NAME": _es_index or "consult",
        }
    }
else:
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "search.backend.ConsultWhooshEngine",
            "PATH": env_str("WHOOSH_PATH", str(VAR_DIR / "whoosh_index")),
        }
    }
HAYSTACK_SIGNAL_PROCESSOR = "search.signals.QueueSignalProcessor"
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20
# Who applies queued index changes: "celery" (a task per commit, one worker), "thread" (after
# the response, in process: the embedded default) or "manual" (`manage.py search_index drain`).
SEARCH_INDEX_UPDATES = env_str("SEARCH_INDEX_UPDATES", "celery" if CELERY_BROKER_URL else "thread")
if SEARCH_INDEX_UPDATES == "celery":
    # Comments and index changes left waiting while the broker could not be reached: a commit
    # queues their task, and these catch up on a consultation where nothing is written.
    CELERY_BEAT_SCHEDULE["group-comments"] = {
        "task": "consultations.group_pending",
        "schedule": 300.0,
    }
    CELERY_BEAT_SCHEDULE["search-drain"] = {
        "task": "search.tasks.drain_index_queue",
        "schedule": 300.0,
    }
# Whoosh: postings decoded by search queries are kept in memory, per process, up to this size
# (search.engine); least recently used out first.
SEARCH_CACHE_MB = env_int("SEARCH_CACHE_MB", 256)

# --- Security ----------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if ALLAUTH_TRUSTED_PROXY_COUNT > 0:
    # Behind a TLS-terminating proxy: trust its scheme header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)

# No inline scripts or styles anywhere; data: images only for the TOTP QR code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging -----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Labels used by several apps.
COUNTRIES = [("RO", _("Romania")), ("BG", _("Bulgaria"))]

# --- Markdown ----------------------------------------------------------------------------------

# The editor's live preview goes through our own view (login and permission checked) and our
# sanitising renderer; uploads through markdownx are not offered.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "core.markdown.render_markdown"
MARKDOWNX_URLS_PATH = "/proposals/preview/"
MARKDOWNX_UPLOAD_URLS_PATH = "/proposals/preview/upload/"
MARKDOWNX_EDITOR_RESIZABLE = False
MAX_BLOCK_CHARACTERS = 100_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A whole request: a few attachments and a long text.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 60 * 1024 * 1024)

# Whole pages for anonymous visitors (core/pagecache.py): how long the app's cache keeps a copy
# (what a page's version does not name can lag this much), and how long a reverse proxy or CDN
# may serve one without asking again (0: it keeps it and revalidates with the ETag each time).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
PAGE_SHARED_CACHE_SECONDS = env_int("PAGE_SHARED_CACHE_SECONDS", 0)
# Answer anonymous copies before the session and authentication middleware until anything is
# written (core/earlycache.py). Needs a cache all processes share (its write generation lives
# there): off by default with the process-local one.
PAGE_EARLY_CACHE = env_bool(
    "PAGE_EARLY_CACHE", not env_str("CACHE_URL", "locmem://").startswith(("locmem:", "dummy:"))
)
MAX_REVISION_CHARACTERS = 2_000_000

# --- Uploaded documents (core/documents.py) ----------------------------------------------------

# Every uploaded DOCX, XLSX, ODT, ODS (zip archives) and PDF, before anything keeps or reads it
# (attachments, submission documents, the verification page; imports have their own limits
# below): its entries may inflate to at most this much in all, no entry over 1 MB may be
# compressed more than this ratio, it may hold at most this many entries, a PDF this many pages.
UPLOAD_MAX_INFLATED_BYTES = env_int("UPLOAD_MAX_INFLATED_BYTES", 100 * 1024 * 1024)
UPLOAD_MAX_COMPRESSION_RATIO = env_int("UPLOAD_MAX_COMPRESSION_RATIO", 100)
UPLOAD_MAX_ARCHIVE_ENTRIES = env_int("UPLOAD_MAX_ARCHIVE_ENTRIES", 5_000)
UPLOAD_MAX_PDF_PAGES = env_int("UPLOAD_MAX_PDF_PAGES", 3_000)
# The verification page reads a DOCX or PDF (python-docx, pypdf) in a process of its own with at
# most this much memory (address space) and time; the worker only waits for it. (A 300,000-word
# DOCX needs about 70 MB; a parser bomb stops at the limit.)
DOCUMENT_READER_MEMORY_MB = env_int("DOCUMENT_READER_MEMORY_MB", 256)
DOCUMENT_READER_TIMEOUT_SECONDS = env_int("DOCUMENT_READER_TIMEOUT_SECONDS", 20)
# Texts and files one client address may check on the public verification page per minute.
VERIFY_RATE_PER_MINUTE = env_int("VERIFY_RATE_PER_MINUTE", 10)
DOSSIER_RATE_PER_MINUTE = env_int("DOSSIER_RATE_PER_MINUTE", 10)

# --- Imports of documents and of the text of a law (proposals/converters.py) -----------------

# An uploaded DOCX, ODT, HTML, Markdown or text file.
MAX_IMPORT_BYTES = env_int("MAX_IMPORT_BYTES", 20 * 1024 * 1024)
# A DOCX/ODT is a zip archive: its entries may inflate to at most this much in all, no entry
# over 1 MB may be compressed more than this ratio, and it may hold at most this many entries
# (checked by core/documents.py, as every upload).
IMPORT_MAX_INFLATED_BYTES = env_int("IMPORT_MAX_INFLATED_BYTES", 200 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
IMPORT_MAX_ARCHIVE_ENTRIES = env_int("IMPORT_MAX_ARCHIVE_ENTRIES", 10_000)
# The converter (pandoc) runs in its own process with this heap and time.
IMPORT_MEMORY_MB = env_int("IMPORT_MEMORY_MB", 1024)
IMPORT_TIMEOUT_SECONDS = env_int("IMPORT_TIMEOUT_SECONDS", 60)
# Documents whose main content is larger than this (about a second of conversion) are read by a
# background task while the page shows its progress; smaller ones while the request waits.
IMPORT_INLINE_BYTES = env_int("IMPORT_INLINE_BYTES", 300_000)
# Imports one person can start in an hour.
IMPORT_RATE_PER_HOUR = env_int("IMPORT_RATE_PER_HOUR", 30)
# Imports not confirmed within this many hours are discarded with their files.
IMPORT_KEEP_HOURS = env_int("IMPORT_KEEP_HOURS", 48)

# --- Comments (django-comments-xtd with our own model) --------------------------------------------

COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MODEL = "consultations.models.StageComment"
# Longest comment in characters (django_comments' own COMMENT_MAX_LENGTH stays at its default so
# that its migrations do not change; our form and domain code enforce this limit).
CONSULTATION_COMMENT_MAX_LENGTH = 10_000
# Replies go three levels below a comment; deeper replies are refused by our domain code.
COMMENTS_XTD_MAX_THREAD_LEVEL = 0
COMMENTS_XTD_MAX_THREAD_LEVEL_BY_APP_MODEL = {"consultations.stage": 3}
# No emails from the package itself: we send our own, from background tasks, to whom it concerns.
COMMENTS_XTD_CONFIRM_EMAIL = False
COMMENTS_XTD_THREADED_EMAILS = False
COMMENTS_XTD_APP_MODEL_OPTIONS = {
    "default": {
        "who_can_post": "users",
        "allow_flagging": False,
        "allow_feedback": False,
        "show_feedback": False,
    }
}
# A comment flagged by this many people is held until a moderator looks at it.
CONSULTATION_FLAGS_TO_HOLD = env_int("CONSULTATION_FLAGS_TO_HOLD", 3)
# Comments and reactions one person can post per minute.
COMMENT_RATE_PER_MINUTE = env_int("COMMENT_RATE_PER_MINUTE", 10)

# --- Public API (api/) ----------------------------------------------------------------------------

# Reads are anonymous: no authentication class runs, so a signed-in session never widens what the
# API returns (drafts stay invisible to every client). Registrar tokens will add their own
# authentication class on their write views only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.PublicReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousRateThrottle",
        "api.throttling.TokenRateThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "UNAUTHENTICATED_TOKEN": None,
    # The client address for rate limits: the one our own proxies saw, never a forged header.
    "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT,
}
# Requests per client address (anonymous) and per registrar token; "N/sec|min|hour|day".
# Counted in Django's cache: production's shared Redis (CACHE_URL) counts across app servers.
API_ANON_RATE = env_str("API_ANON_RATE", "120/min")
API_TOKEN_RATE = env_str("API_TOKEN_RATE", "600/min")
API_MAX_PAGE_SIZE = 100
# Registrar writes (register, answer) are small JSON documents; larger bodies get 413.
API_MAX_BODY_BYTES = 256 * 1024
# Request bodies nested deeper than this are refused (ours are flat objects).
API_MAX_JSON_DEPTH = 20
SPECTACULAR_SETTINGS = {
    "TITLE": "Consult public API",
    "VERSION": "1.0.0",
    "DESCRIPTION": _(
        "Public data of the Consult platform, read-only: organisations, proposals and every "
        "revision of their text, comparisons of revisions, consultations, stages, comments, "
        "syntheses and the public register of submissions. It returns exactly what an anonymous "
        "visitor of the site sees. Registrars of verified authorities use a token (created in "
        "their account) for the endpoints under /authority/: their authority's submissions, "
        "registering one and recording an answer. See the README's API section."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The enums' descriptions, then the components described apart (translated: api/docs.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.docs.describe_components",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "api.enums.PROPOSAL_STATUSES",
        "ProposalKindEnum": "proposals.models.ProposalKind.choices",
        "StageStatusEnum": "consultations.models.StageStatus.choices",
        "StageKindEnum": "consultations.models.StageKind.choices",
        "CommentStateEnum": "consultations.models.CommentState.choices",
        "StanceEnum": "api.enums.STANCES",
        "OutcomeEnum": "consultations.models.Outcome.choices",
        "OrganizationKindEnum": "accounts.models.OrganizationKind.choices",
        "LanguageEnum": "api.enums.LANGUAGES",
        "SubmissionStatusEnum": "registrations.models.SubmissionStatus.choices",
        "AnswerStatusEnum": "registrations.models.AnswerStatus.choices",
        "ChannelEnum": "registrations.models.Channel.choices",
        "RegistrationSourceEnum": "registrations.models.RegistrationSource.choices",
    },
}
# The public data dump (`manage.py export_public_data`, nightly through Celery beat). The worker
# that writes it and the app servers that serve it must share this directory.
EXPORTS_DIR = Path(env_str("EXPORTS_DIR", str(VAR_DIR / "exports")))
