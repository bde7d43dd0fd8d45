import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from consult.env import cache_from_url, email_from_url, env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env):
    """Import the production settings in a fresh interpreter with exactly `env` set."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "consult.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_without_secret_key_fail_when_debug_off():
    result = _run_settings({"DEBUG": "0", "ALLOWED_HOSTS": "consult.example.org"})
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY is required." in result.stderr


def test_settings_with_short_secret_key_fail():
    result = _run_settings(
        {"DEBUG": "0", "SECRET_KEY": "short", "ALLOWED_HOSTS": "consult.example.org"}
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters long." in result.stderr


def test_settings_without_allowed_hosts_fail_when_debug_off():
    result = _run_settings({"DEBUG": "0", "SECRET_KEY": "k" * 60})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required when DEBUG is off." in result.stderr


@pytest.mark.parametrize(
    "site_url",
    [
        None,  # the default, http://127.0.0.1:8000
        "http://localhost:8000",
        "https://127.0.1.1",
        "http://[::1]:8000",
        "http://consult.localhost",
        "consult.example.org",
        "ftp://consult.example.org",
    ],
)
def test_settings_refuse_a_site_url_on_this_machine_when_debug_off(site_url):
    env = {"DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "consult.example.org"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    result = _run_settings(env)
    assert result.returncode != 0
    assert "when DEBUG is off, set SITE_URL to the site's public address" in result.stderr


def test_settings_accept_a_public_site_url_when_debug_off():
    result = _run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "consult.example.org",
            "SITE_URL": "https://consult.example.org/",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_settings_with_a_malformed_boolean_fail():
    result = _run_settings({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def _setting(name, env):
    """The value of setting `name` under the production settings with exactly `env` set."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "consult.settings"}
    code = f"from django.conf import settings; print(settings.{name})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, "thread"),
        ({"CELERY_BROKER_URL": "redis://cache:6379/1"}, "celery"),
        ({"CELERY_BROKER_URL": "redis://cache:6379/1", "NOTIFICATION_EMAILS": "manual"}, "manual"),
        ({"NOTIFICATION_EMAILS": "celery"}, "celery"),
    ],
)
def test_notification_emails_default_to_a_thread_without_a_broker(env, mode):
    assert _setting("NOTIFICATION_EMAILS", env) == mode


def test_settings_refuse_an_unknown_notification_emails_mode():
    result = _run_settings({"DEBUG": "1", "NOTIFICATION_EMAILS": "smtp"})
    assert result.returncode != 0
    assert "NOTIFICATION_EMAILS must be celery, thread or manual." in result.stderr


def test_check_deploy_passes_with_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "consult.settings",
        "DEBUG": "0",
        "SECRET_KEY": "Kq8-vZ3pW_r1Ls9TbN0yXe4Hd7Jm2Uc5Ga6Fo-Ri8Qw1Zt3Yk-pL0sD9fA2gH",
        "ALLOWED_HOSTS": "consult.example.org",
        "SITE_URL": "https://consult.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_env_readers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_BAD_INT", "twelve")
    monkeypatch.setenv("X_LIST", "a.org, b.org,,")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT") == 12
    assert env_list("X_LIST") == ["a.org", "b.org"]
    assert env_str("X_MISSING", "fallback") == "fallback"
    with pytest.raises(ImproperlyConfigured, match="X_BAD_INT='twelve' is not a whole number"):
        env_int("X_BAD_INT")
    with pytest.raises(ImproperlyConfigured, match="X_MISSING is required"):
        env_str("X_MISSING")


def test_cache_and_email_urls():
    assert cache_from_url("redis://127.0.0.1:6379/1") == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
    smtp = email_from_url("smtp+tls://mailer:p%40ss@mail.example.org:2525")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 2525
    assert smtp["EMAIL_HOST_USER"] == "mailer"
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    with pytest.raises(ImproperlyConfigured):
        cache_from_url("memcached://x")
    with pytest.raises(ImproperlyConfigured):
        email_from_url("smtp://")
    assert email_from_url("file:///var/mail/consult") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/consult",
    }
    with pytest.raises(ImproperlyConfigured):
        email_from_url("file://")
