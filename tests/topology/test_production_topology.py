"""The production topology the README documents, run for real: two app servers (gunicorn on two
ports, DEBUG off), sessions and cache in Redis, a Celery worker on a Redis broker that applies
the search queue and sends the emails, one database.

A citizen signs in on the first server and replies to a comment there; the worker counts the
reply and refills the kept anonymous copy of its stage page, the thread rendered in it
(`consultations.threads.refill_ahead`), before anyone reads it; the servers show the reply to a
visitor and the second knows the citizen's session; the worker emails the author of the comment
replied to (the email is read from the worker's outbox directory) and puts the reply into the
search index, where the second server finds it.

It starts a Redis of its own (`redis-server` on a free port, nothing saved), so that two runs
on one machine never share queues or cache keys. Without `redis-server` the test is skipped,
unless CONSULT_REQUIRE_SERVICES=1 (as in CI): then it fails.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server")
PASSWORD = "consult-demo-2026"  # accounts.demo.DEMO_PASSWORD
CITIZEN = "ion.vasile@demo.consult.ro"
WAIT_SECONDS = 60
# Both servers are reached under one name, as behind a load balancer.
HOST = "consult.test"

# The comment replied to: a visible top-level comment of the demo's open Romanian stage whose
# author is not the citizen and has not opted out of replies.
FIND_TARGET = f"""
from consultations.models import CommentState, ReplyOptOut, StageComment
from consultations.demo import LAW_350
comment = (
    StageComment.objects.filter(
        stage__consultation__proposal__slug=LAW_350, state=CommentState.VISIBLE, level=0
    )
    .exclude(user__email="{CITIZEN}")
    .exclude(user__in=ReplyOptOut.objects.values("user"))
    .select_related("user", "stage")
    .order_by("-stage__position", "pk")
    .first()
)
print("TARGET", comment.pk, comment.user.email, comment.stage.get_absolute_url())
"""


@pytest.fixture(scope="module")
def services():
    if REDIS_SERVER is None:
        if os.environ.get("CONSULT_REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed (apt-get install redis-server).")
        pytest.skip("redis-server is not installed.")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _database(directory):
    """A database of its own, on the engine the suite runs on: the URL to give the servers."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{directory / 'consult.sqlite3'}"
        return
    import psycopg

    name = f"consult_topology_{secrets.token_hex(4)}"
    user, host, port = database["USER"], database["HOST"] or "127.0.0.1", database["PORT"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    server = f"postgresql://{user}{password}@{host}:{port or 5432}"
    with psycopg.connect(f"{server}/{database['NAME']}", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}{password}@{host}:{port or 5432}/{name}"
    finally:
        with psycopg.connect(f"{server}/{database['NAME']}", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Topology:
    def __init__(self, directory, database_url):
        self.directory = directory
        self.outbox = directory / "outbox"
        self.outbox.mkdir()
        self.redis_port = _free_port()
        redis = f"redis://127.0.0.1:{self.redis_port}"
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith("DJANGO")},
            "DJANGO_SETTINGS_MODULE": "consult.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": f"127.0.0.1,localhost,{HOST}",
            "SITE_URL": f"https://{HOST}",
            # Plain HTTP between the test and the servers (TLS ends at the proxy in production).
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url,
            "CACHE_URL": f"{redis}/0",
            "CELERY_BROKER_URL": f"{redis}/1",
            "NOTIFICATION_EMAILS": "celery",  # the worker sends them (the default with a broker)
            "EMAIL_URL": f"file://{self.outbox}",
            "CONSULT_VAR_DIR": str(directory / "var"),
            "STATIC_ROOT": str(directory / "static"),
            "WHOOSH_PATH": str(directory / "whoosh"),
            "LOG_LEVEL": "WARNING",
        }
        self.processes = []
        self.ports = []

    def manage(self, *args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    def start(self, name, command):
        log = open(self.directory / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole, even its children
        )
        self.processes.append((name, process, log))
        return process

    def wait_for(self, name, process, ready):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} ended with {process.returncode}:\n{self.logs()}")
            with contextlib.suppress(OSError, requests.ConnectionError):
                if ready():
                    return
            time.sleep(0.3)
        raise AssertionError(f"{name} did not answer within {WAIT_SECONDS} s:\n{self.logs()}")

    def redis(self):
        process = self.start(
            "redis",
            [
                REDIS_SERVER,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )

        def answers():
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")

        self.wait_for("redis", process, answers)

    def server(self):
        port = _free_port()
        process = self.start(
            f"gunicorn-{port}",
            [
                str(BIN / "gunicorn"),
                "consult.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
        )
        url = f"http://127.0.0.1:{port}"
        self.wait_for(
            f"gunicorn on {port}",
            process,
            lambda: requests.get(f"{url}/", timeout=5).status_code == 200,
        )
        return url

    def worker(self):
        self.start(
            "celery",
            [
                str(BIN / "celery"),
                "--app",
                "consult",
                "worker",
                "--queues",
                "celery,search",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def logs(self):
        return "\n".join(
            f"--- {name}\n{(self.directory / f'{name}.log').read_text()[-3000:]}"
            for name, _process, _log in self.processes
        )

    def stop(self):
        """Stop every process (and its children); returns the names of those that had ended
        on their own before (a crash the test may not have seen)."""
        crashed = [name for name, process, _log in self.processes if process.poll() is not None]
        for _name, process, _log in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
            log.close()
        return crashed


def _form(html, action):
    """The hidden fields of the page's POST form that posts to `action` (or to the page)."""
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        attributes, body = match.groups()
        target = re.search(r'action="([^"]*)"', attributes)
        if 'method="post"' in attributes and (target is None or target.group(1) == action):
            return {
                name: unescape(value)
                for name, value in re.findall(
                    r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body
                )
            }
    raise AssertionError(f"no form posting to {action} in:\n{html[:3000]}")


def _eventually(check, what, topology):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} within {WAIT_SECONDS} s.\n{topology.logs()}")


def test_two_servers_one_worker_redis(services, tmp_path):
    with _database(tmp_path) as database_url:
        topology = Topology(tmp_path, database_url)
        topology.manage("migrate", "--no-input", "-v", "0")
        topology.manage("collectstatic", "--no-input", "-v", "0")
        topology.redis()
        try:
            topology.manage("load_demo")
            found = topology.manage("shell", "-c", FIND_TARGET)
            _label, target, author, stage = found[found.index("TARGET") :].split()
            topology.worker()
            first, second = topology.server(), topology.server()
            _exercise(topology, first, second, int(target), author, stage)
        finally:
            crashed = topology.stop()
        assert not crashed, f"{crashed} ended on their own:\n{topology.logs()}"


def _rendered_threads(topology, thread):
    """The cache keys of the thread `thread` rendered for anonymous readers
    (`consultations.threads.fragment_key`), read from the topology's Redis."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=topology.redis_port, db=0)
    return {key.decode() for key in client.scan_iter(f"*consult:thread:*:0:{thread}:*")}


def _stage_copies_fresh(topology):
    """For each anonymous copy of a stage page kept by the early cache (`core.earlycache`; its
    entries read from the topology's Redis), whether it was kept for the current comments
    generation: a reader would be answered from it without a refill."""
    import pickle

    import redis

    client = redis.Redis(host="127.0.0.1", port=topology.redis_port, db=0)
    token = client.get(":1:consult:early:generation:comments")
    comments = pickle.loads(token) if token else None  # noqa: S301 (our own cache)
    fresh = []
    for key in client.scan_iter(":1:consult:early:*"):
        value = None if b"generation" in key else client.get(key)
        entry = pickle.loads(value) if value else None  # noqa: S301 (our own cache)
        if isinstance(entry, tuple) and entry[6] and entry[6][0] == "consultations.stage-page":
            fresh.append(entry[5] == comments)
    return fresh


def _exercise(topology, first, second, target, author, stage):
    citizen, visitor = requests.Session(), requests.Session()
    citizen.headers["Host"] = visitor.headers["Host"] = HOST
    # Sign in on the first server, through the form.
    login = citizen.get(f"{first}/accounts/login/", timeout=30)
    fields = _form(login.text, "/accounts/login/")
    fields.update({"login": CITIZEN, "password": PASSWORD})
    signed_in = citizen.post(
        f"{first}/accounts/login/",
        data=fields,
        headers={"Referer": f"{first}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:2000]

    # A visitor reads the comment's page on the second server: kept whole in the shared cache.
    before = visitor.get(f"{second}/comments/{target}/", timeout=30)
    assert before.status_code == 200 and before.headers["ETag"]
    from_first = visitor.get(
        f"{first}/comments/{target}/",
        headers={"If-None-Match": before.headers["ETag"]},
        timeout=30,
    )
    assert from_first.status_code == 304  # the first server knows the copy the second kept
    # ...and the stage page showing the comment's thread, kept by the early cache.
    stage_before = visitor.get(f"{second}{stage}", timeout=30)
    assert stage_before.status_code == 200 and f'id="comment-{target}"' in stage_before.text
    rendered_before = _rendered_threads(topology, target)
    assert len(rendered_before) == 1, rendered_before

    # Reply to the comment on the first server.
    word = f"topologie{secrets.token_hex(4)}"
    text = f"Răspuns prin primul server: {word}."
    reply_url = f"/comments/{target}/reply/"
    page = citizen.get(f"{first}{reply_url}", timeout=30)
    assert page.status_code == 200, page.text[:2000]
    fields = _form(page.text, reply_url)
    fields["text"] = text
    sent = citizen.post(
        f"{first}{reply_url}",
        data=fields,
        headers={"Referer": f"{first}{reply_url}"},
        timeout=30,
        allow_redirects=False,
    )
    assert sent.status_code == 302, sent.text[:2000]

    # The worker renders the replied-to thread for the stage page's readers, before any asks.
    _eventually(
        lambda: _rendered_threads(topology, target) - rendered_before,
        "the worker did not render the replied-to thread ahead of its readers",
        topology,
    )
    # ...then, once the reply is counted, refills the page's kept copy itself: the visitor's
    # read below needs no refill.
    _eventually(
        lambda: _stage_copies_fresh(topology) == [True],
        "the worker did not refill the stage page's kept copy ahead of its readers",
        topology,
    )
    stage_after = visitor.get(f"{first}{stage}", timeout=30)
    assert stage_after.status_code == 200 and text in unescape(stage_after.text)
    assert stage_after.headers["ETag"] != stage_before.headers["ETag"]

    # The second server shows it to the visitor who had the page before, and knows the
    # citizen's session (Redis).
    after = visitor.get(
        f"{second}/comments/{target}/",
        headers={"If-None-Match": before.headers["ETag"]},
        timeout=30,
    )
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert text in unescape(after.text)
    dashboard = requests.get(
        f"{second}/accounts/dashboard/",
        headers={"Host": HOST},
        cookies=citizen.cookies,
        timeout=30,
        allow_redirects=False,
    )
    assert dashboard.status_code == 200, dashboard.headers.get("Location")

    # The worker emailed the comment's author, and indexed the reply for the second server.
    def emailed():
        for message in topology.outbox.glob("*.log"):
            content = message.read_text(errors="replace")
            if author in content and word in content:
                return content
        return None

    email = _eventually(emailed, f"no email to {author} quoting the reply", topology)
    assert f"To: {author}" in email
    assert "List-Unsubscribe:" in email

    def found():
        answer = visitor.get(f"{second}/search/", params={"q": word}, timeout=30)
        return answer.status_code == 200 and "/comments/" in answer.text and word in answer.text

    _eventually(found, f"the search of the second server did not find {word!r}", topology)
    shutil.rmtree(topology.directory / "static", ignore_errors=True)
