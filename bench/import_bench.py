"""Benchmark of importing a long document, to its preview.

    .venv/bin/python bench/import_bench.py [--paragraphs 1000] [--runs 3]

Generates a 200-page DOCX (1,000 paragraphs of 60 words, headings, bulleted lists, tables and
bold runs; about 60,000 words), then times, in one process on a test database, each step an
editor waits for: the checks of the upload (type by content, archive sizes and ratios), the
conversion (pandoc in its own process, through our Lua writer), building the blocks, and the
review page that shows the first page of the preview. Prints the median of the runs and its
ratio to the 3 s target, with the CPU time and load average (the machine may be shared).
Also prints the converter alone on the same file, for comparison.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings_test")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from proposals import converters, importing  # noqa: E402
from tests.proposals.documents import big_docx  # noqa: E402

TARGET = 3.0


def _people():
    from accounts.models import Membership, Organization, User

    user = User.objects.create_user("bench-import@example.org", "bench-password-123")
    ngo = Organization.objects.create(kind="ngo", name="Bench", slug="bench", country="RO")
    Membership.objects.create(user=user, organization=ngo, role="editor")
    return user, ngo


def one_run(user, ngo, data, client):
    steps = {}
    start = time.perf_counter()
    document_import = importing.start_import(
        user,
        organization=ngo,
        mode="document",
        new_proposal={"title": "Bench", "slug": "bench", "kind": "policy", "language": "ro"},
        upload=SimpleUploadedFile("politica.docx", data),
    )
    steps["checks and storing"] = time.perf_counter() - start
    mark = time.perf_counter()
    importing.process_import(document_import)
    steps["conversion and blocks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    response = client.get(document_import.get_absolute_url())
    steps["review page"] = time.perf_counter() - mark
    assert response.status_code == 200, response.status_code
    document_import.refresh_from_db()
    assert document_import.status == "ready", document_import.error_code
    total = time.perf_counter() - start
    return total, steps, document_import


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    data = big_docx(paragraphs=options.paragraphs)
    print(f"DOCX: {options.paragraphs} paragraphs, {len(data) / 1024:.0f} KiB")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        user, ngo = _people()
        client = Client()
        client.force_login(user)
        cpu = time.process_time()
        children = os.times()
        totals, runs = [], []
        for _ in range(options.runs):
            total, steps, document_import = one_run(user, ngo, data, client)
            totals.append(total)
            runs.append(steps)
        result = document_import.result
        words = sum(len(block["text"].split()) for block in result["blocks"])
        print(
            f"result: {len(result['blocks'])} blocks, {words} words "
            f"({result['stats']['headings']} headings, {result['stats']['tables']} tables, "
            f"{result['stats']['lists']} lists)"
        )
        for name in runs[0]:
            print(f"  {name}: {statistics.median(run[name] for run in runs):.3f} s")
        median = statistics.median(totals)
        print(
            f"upload to preview: {median:.2f} s median of {options.runs} "
            f"(target < {TARGET} s: {median / TARGET:.0%} of it)"
        )
        after = os.times()
        print(
            f"CPU: this process {time.process_time() - cpu:.1f} s, converter processes "
            f"{after.children_user - children.children_user:.1f} s; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        with tempfile.NamedTemporaryFile(suffix=".docx") as handle:
            handle.write(data)
            handle.flush()
            source = converters.detect(handle.name, "politica.docx")
            start = time.perf_counter()
            converters.convert(handle.name, source, "politica.docx")
            print(f"converter alone: {time.perf_counter() - start:.2f} s")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
