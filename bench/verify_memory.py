"""Memory of a gunicorn worker while the public verification page receives bombs.

    .venv/bin/python bench/verify_memory.py [--rounds 1] [--skip-unbounded]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_verify, dropped at the end)

Registers one submission, starts gunicorn with ONE sync worker and the production settings (DEBUG
off), and posts to /register/verify/, through the real form (CSRF cookie and token), each hostile
file of tests/hostile_documents.py: an archive bomb (300 MB of zeros in a 300 kB DOCX), a parser
bomb (90 MB of one-word paragraphs in a 6 MB DOCX, within every ratio), 120,000 entries in a 10 MB
DOCX, a PDF declaring a billion pages, a PDF of 3,001 pages, arrays nested 200,000 deep, a page
tree 5,000 levels deep, and a content stream inflating to 500 MB; then one of the platform's own
PDF exports, which must still verify.

For each file it prints the answer's status, its time, the worker's peak resident size so far
(VmHWM of its /proc status: a high-water mark, it never goes down) and the largest resident size
of the worker's reader processes (sampled every 5 ms while the request runs). The target is the
worker under 300 MB. Then, unless --skip-unbounded, the same files read as the page did before
(python-docx or pypdf in the process, capped here at 4 GB of address space so the machine
survives), with that process's peak: what a worker reached without the checks.
"""

import argparse
import html
import http.client
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from consultations_bench import ROOT, BenchSite, gunicorn

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET = 300 * 1024 * 1024


def hostile_files():
    from tests import hostile_documents as hostile
    from tests.proposals.documents import docx_bomb

    return {
        "archive bomb (docx)": ("bomba.docx", docx_bomb(megabytes=300)),
        "parser bomb (docx)": ("paragrafe.docx", hostile.parser_bomb_docx(megabytes=90)),
        "120,000 entries (docx)": ("multe.docx", hostile.many_entries_docx(entries=120_000)),
        "a billion pages declared (pdf)": ("lung.pdf", hostile.pdf_declaring_pages()),
        "3,001 pages (pdf)": ("pagini.pdf", hostile.pdf_with_pages(3_001)),
        "arrays nested 200,000 deep (pdf)": ("adanc.pdf", hostile.pdf_nested_arrays()),
        "page tree 5,000 deep (pdf)": ("arbore.pdf", hostile.pdf_deep_page_tree()),
        "stream inflating to 500 MB (pdf)": ("umflat.pdf", hostile.pdf_flate_bomb(megabytes=500)),
    }


def make_submission():
    from django.utils import timezone

    from accounts.models import Membership, Organization, User
    from proposals import domain
    from registrations import domain as registrations

    user = User.objects.create_user("bench-verify@example.org")
    ngo = Organization.objects.create(kind="ngo", name="Bench", slug="bench", country="RO")
    Membership.objects.create(user=user, organization=ngo, role="editor")
    authority = Organization.objects.authorities().first()
    authority.verified_at = timezone.now()
    authority.save(update_fields=["verified_at"])
    proposal = domain.create_proposal(
        user,
        ngo,
        title="Finanțare multianuală",
        slug="bench-verify",
        summary="",
        kind="other",
        target_authority=authority,
    )
    text = "Finanțarea se acordă multianual, pentru cel mult 3 ani. " * 200
    domain.save_revision(
        user,
        proposal,
        base_number=0,
        title=proposal.title,
        summary="",
        blocks=[{"key": "k0000000001", "type": "text", "text": text}],
        message="",
    )
    proposal.refresh_from_db()
    domain.publish_proposal(user, proposal)
    proposal.refresh_from_db()
    return registrations.submit_proposal(user, proposal, proposal.current_revision, "Vă rugăm.")


def status_field(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return 0


def children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class ReaderSampler(threading.Thread):
    """The largest resident size of the worker's child processes while a request runs."""

    def __init__(self, worker):
        super().__init__(daemon=True)
        self.worker, self.peak, self.running = worker, 0, True

    def run(self):
        while self.running:
            for child in children(self.worker):
                self.peak = max(self.peak, status_field(child, "VmHWM"))
            time.sleep(0.005)


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


def post_file(port, code, name, data):
    status, cookie, page = request(port, "GET", "/register/verify/", headers={})
    csrf = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    token = TOKEN.search(page.decode()).group(1)
    boundary = uuid.uuid4().hex
    parts = []
    for field, value in (("csrfmiddlewaretoken", token), ("code", code), ("text", "")):
        disposition = f'Content-Disposition: form-data; name="{field}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Cookie": f"csrftoken={csrf}; consult_language=en",
    }
    status, _cookie, page = request(port, "POST", "/register/verify/", b"".join(parts), headers)
    return status, page.decode("utf-8", "replace")


def message_of(page):
    found = re.search(r'<small class="error"[^>]*>(.*?)</small>', page, re.S)
    if found:
        return html.unescape(re.sub(r"\s+", " ", found.group(1)).strip())
    if "The text matches revision" in page:
        return "matches"
    return "?"


UNBOUNDED = r"""
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
data = sys.stdin.buffer.read()
try:
    if sys.argv[1] == "docx":
        from docx import Document
        document = Document(io.BytesIO(data))
        text = [p.text for p in document.paragraphs]
    else:
        from pypdf import PdfReader
        text = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    outcome = "read"
except MemoryError:
    outcome = "MemoryError at 4 GB"
except Exception as error:
    outcome = type(error).__name__
# VmHWM: this process's own peak (ru_maxrss would include the parent's size when it started).
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(outcome, peak * 1024)
"""


def unbounded(name, data):
    """The file read as the page did before: in the process, by python-docx or pypdf."""
    kind = "docx" if name.endswith(".docx") else "pdf"
    start = time.perf_counter()
    try:
        result = subprocess.run(
            [sys.executable, "-c", UNBOUNDED, kind],
            input=data,
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "still reading after 120 s", 0, 120.0
    elapsed = time.perf_counter() - start
    words = result.stdout.decode().split()
    if not words:
        return f"died (status {result.returncode})", 0, elapsed
    return " ".join(words[:-1]), int(words[-1]), elapsed


def mb(value):
    return f"{value / 2**20:7.1f} MB"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="times each file is posted")
    parser.add_argument("--skip-unbounded", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    site = BenchSite(
        database_name="bench_verify", keep=args.keep, extra_env={"VERIFY_RATE_PER_MINUTE": "100000"}
    )
    site.create_database()
    site.setup_django()
    try:
        run(site, args)
    finally:
        site.cleanup()


def run(site, args):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    submission = make_submission()
    export = submission.revision
    files = hostile_files()
    connection.close()
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    print(
        f"limits: uploads {settings.UPLOAD_MAX_INFLATED_BYTES // 2**20} MB inflated, ratio "
        f"{settings.UPLOAD_MAX_COMPRESSION_RATIO}, {settings.UPLOAD_MAX_ARCHIVE_ENTRIES} entries, "
        f"{settings.UPLOAD_MAX_PDF_PAGES} pages; reader {settings.DOCUMENT_READER_MEMORY_MB} MB, "
        f"{settings.DOCUMENT_READER_TIMEOUT_SECONDS} s"
    )
    worst = 0
    with gunicorn(site, workers=1) as port:
        # This process's child is the gunicorn master; its child, the one worker.
        master = children(os.getpid())[0]
        worker = children(master)[0]
        status, _cookie, page = request(
            port, "GET", f"/proposals/bench-verify/v/{export.number}/export.pdf", headers={}
        )
        files["the platform's own PDF export"] = ("copie.pdf", page)
        print(f"worker pid {worker}, after start-up: peak {mb(status_field(worker, 'VmHWM'))}\n")
        print(
            f"{'file':36} {'size':>10} {'status':>6} {'time':>7} {'worker peak':>12} "
            f"{'reader peak':>12}  message"
        )
        for label, (name, data) in files.items():
            for _ in range(args.rounds):
                sampler = ReaderSampler(worker)
                sampler.start()
                start = time.perf_counter()
                status, page = post_file(port, submission.tracking_code, name, data)
                elapsed = time.perf_counter() - start
                sampler.running = False
                sampler.join()
                peak = status_field(worker, "VmHWM")
                worst = max(worst, peak)
                print(
                    f"{label:36} {len(data) / 1024:8.0f} kB {status:>6} {elapsed:6.2f}s "
                    f"{mb(peak)} {mb(sampler.peak)}  {message_of(page)[:90]}"
                )
        print(
            f"\nworker now: resident {mb(status_field(worker, 'VmRSS'))}, "
            f"peak {mb(status_field(worker, 'VmHWM'))}"
        )
    print(
        f"worst worker peak {mb(worst)}: {'under' if worst < TARGET else 'OVER'} the 300 MB "
        f"target ({worst / TARGET:.0%} of it)"
    )
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
    if args.skip_unbounded:
        return
    print("\nThe same files read in the process, as the page did before (capped at 4 GB here):")
    for label, (name, data) in files.items():
        outcome, peak, elapsed = unbounded(name, data)
        print(f"{label:36} {mb(peak)} {elapsed:6.2f}s  {outcome}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    main()
