"""Bulk exports: files, manifest, visibility, atomic publication and the download endpoints."""

import csv
import hashlib
import io
import json
import os

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from api import exports, visibility
from api.tasks import export_public_data
from consultations import public
from tests.api.conftest import API, save

TABLES = ["proposals", "revisions", "consultations", "stages", "comments", "dispositions"]
TABLES += ["syntheses"]


def jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def publish():
    call_command("export_public_data", stdout=io.StringIO())
    return exports.current_dump()


def test_command_publishes_a_dump_with_a_manifest(world):
    dump = publish()
    assert dump.parent == settings.EXPORTS_DIR
    assert (settings.EXPORTS_DIR / "current").is_symlink()
    manifest = json.loads((dump / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["scope"] == "all"
    assert manifest["consultations"] == ["legea-350"]
    assert manifest["generated_at"][:4] == str(world.now.year)
    expected = [
        f"{directory}/{table}.{fmt}"
        for directory in ("all", "consultations/legea-350")
        for table in TABLES
        for fmt in ("jsonl", "csv")
    ]
    assert [entry["path"] for entry in manifest["files"]] == expected
    for entry in manifest["files"]:
        data = (dump / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        lines = data.decode("utf-8").splitlines()
        if entry["format"] == "jsonl":
            assert entry["records"] == len(lines)
        else:
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert rows[0] == exports.TABLES[entry["table"]]
            assert entry["records"] == len(rows) - 1
    counts = {e["path"]: e["records"] for e in manifest["files"] if e["format"] == "jsonl"}
    assert counts == {
        "all/proposals.jsonl": 2,
        "all/revisions.jsonl": 4,
        "all/consultations.jsonl": 1,
        "all/stages.jsonl": 3,
        "all/comments.jsonl": 6,
        "all/dispositions.jsonl": 1,
        "all/syntheses.jsonl": 1,
        "consultations/legea-350/proposals.jsonl": 1,
        "consultations/legea-350/revisions.jsonl": 3,
        "consultations/legea-350/consultations.jsonl": 1,
        "consultations/legea-350/stages.jsonl": 3,
        "consultations/legea-350/comments.jsonl": 6,
        "consultations/legea-350/dispositions.jsonl": 1,
        "consultations/legea-350/syntheses.jsonl": 1,
    }


def test_exported_records_show_what_a_visitor_sees(world):
    dump = publish()
    proposals = jsonl(dump / "all/proposals.jsonl")
    assert [p["slug"] for p in proposals] == ["legea-350", "politica-locala"]
    assert proposals[0]["organization"] == "vrancea-civica"
    assert proposals[0]["current_revision"] == 3
    assert proposals[0]["web_url"] == f"{settings.SITE_URL}/proposals/legea-350/"
    revisions = jsonl(dump / "consultations/legea-350/revisions.jsonl")
    third = revisions[2]
    assert (third["number"], third["parent"], third["author"]) == (3, 2, "Editor ONG")
    assert third["content_hash"] == world.revision3.content_hash
    assert third["attachments"][0]["name"] == "Anexa 1.pdf"
    comments = {c["id"]: c for c in jsonl(dump / "all/comments.jsonl")}
    hidden = comments[world.comments.hidden.pk]
    assert (hidden["state"], hidden["text"], hidden["author"]) == ("hidden", None, None)
    thread = comments[world.comments.thread.pk]
    assert (thread["text"], thread["author"], thread["stage"]) == (
        "Susțin termenul propus.",
        "Ion Vasile",
        1,
    )
    assert jsonl(dump / "all/dispositions.jsonl") == [
        {
            "proposal": "legea-350",
            "stage": 1,
            "comment_id": world.comments.thread.pk,
            "outcome": "accepted",
            "reason": "Preluat în versiunea 3.",
            "applied_in": 3,
        }
    ]
    synthesis = jsonl(dump / "all/syntheses.jsonl")[0]
    assert [row["text"] for row in synthesis["rows"]] == ["Susțin termenul propus.", None]
    stages = jsonl(dump / "all/stages.jsonl")
    assert [(s["position"], s["status"]) for s in stages] == [
        (1, "closed"),
        (2, "closed"),
        (3, "scheduled"),
    ]
    assert stages[1]["minutes"] == "Au participat 12 persoane."
    # Nothing private in any file.
    for path in dump.rglob("*"):
        if path.is_file():
            data = path.read_text(encoding="utf-8")
            assert "@" not in data, path
            for secret in ("ciorna-secreta", "Text jignitor", "Comentariu reținut", "Limbaj"):
                assert secret not in data, (path, secret)


def test_csv_cells_that_look_like_formulas_are_quoted(world):
    world.proposal.refresh_from_db()
    blocks = world.proposal.current_revision.blocks
    save(world.editor, world.proposal, [*blocks[:-1]], "=HYPERLINK(1)")
    dump = publish()
    directory = dump / "consultations/legea-350"
    rows = list(csv.DictReader(io.StringIO((directory / "revisions.csv").read_text())))
    assert (rows[-1]["number"], rows[-1]["message"]) == ("4", "'=HYPERLINK(1)")
    assert jsonl(directory / "revisions.jsonl")[-1]["message"] == "=HYPERLINK(1)"
    assert json.loads(rows[-1]["blocks"])[0]["key"] == "k0000000003"


def test_exports_endpoint_lists_and_serves_the_latest_dump(world, api):
    assert api.get(f"{API}exports/").json() == {
        "generated_at": None,
        "manifest_url": None,
        "consultations": [],
        "files": [],
    }
    dump = publish()
    manifest = exports.read_manifest(dump)
    body = api.get(f"{API}exports/").json()
    assert body["generated_at"] == manifest["generated_at"]
    assert body["manifest_url"] == "http://testserver/api/v1/exports/manifest.json"
    assert body["consultations"] == ["legea-350"]
    assert len(body["files"]) == 28
    first = body["files"][0]
    assert first == {
        "path": "all/proposals.jsonl",
        "table": "proposals",
        "format": "jsonl",
        "records": 2,
        "bytes": manifest["files"][0]["bytes"],
        "sha256": manifest["files"][0]["sha256"],
        "url": "http://testserver/api/v1/exports/all/proposals.jsonl",
    }
    download = api.get(first["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/jsonl; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == first["sha256"]
    csv_file = api.get(f"{API}exports/consultations/legea-350/comments.csv")
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    manifest_file = api.get(body["manifest_url"])
    assert json.loads(b"".join(manifest_file.streaming_content)) == manifest


@pytest.mark.parametrize(
    "name", ["all/nothing.csv", "../../consult/settings.py", "current", "all", "%2e%2e/x"]
)
def test_exports_endpoint_serves_only_listed_files(world, api, name):
    publish()
    response = api.get(f"{API}exports/{name}")
    assert response.status_code == 404
    assert response.json() == {"detail": "The latest export has no file with this name."}


def test_a_new_dump_replaces_the_served_one_atomically(world, api):
    first = publish()
    started = open(first / "all/proposals.jsonl", "rb")  # a download in progress  # noqa: SIM115
    second = publish()
    assert second != first
    assert exports.current_dump() == second
    assert first.exists()  # kept while downloads of it may still run
    third = publish()
    assert not first.exists()
    assert sorted(p.name for p in settings.EXPORTS_DIR.iterdir()) == sorted(
        ["current", second.name, third.name]
    )
    with started:
        assert started.read().count(b"\n") == 2  # an open file reads to its end
    assert os.readlink(settings.EXPORTS_DIR / "current") == third.name


def test_one_consultation_to_a_directory(world, tmp_path):
    target = tmp_path / "legea"
    out = io.StringIO()
    call_command("export_public_data", consultation="legea-350", output=str(target), stdout=out)
    assert f"to {target}" in out.getvalue()
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["scope"] == "consultation"
    assert {entry["path"].split("/")[0] for entry in manifest["files"]} == {"consultations"}
    assert len(manifest["files"]) == 14
    assert not (settings.EXPORTS_DIR / "current").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"consultation": "legea-350"}, "--consultation needs --output"),
        ({"consultation": "ciorna-secreta", "output": "new"}, "No public proposal"),
        ({"consultation": "politica-locala", "output": "new"}, "No public proposal"),
        ({"output": "exists"}, "already exists"),
    ],
)
def test_command_refuses_bad_options_and_leaves_nothing(world, tmp_path, options, message):
    (tmp_path / "exists").mkdir()
    if "output" in options:
        options["output"] = str(tmp_path / options["output"])
    with pytest.raises(CommandError, match=message):
        call_command("export_public_data", stdout=io.StringIO(), **options)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "media") == ["exists"]


def test_nightly_task_publishes_a_dump(world):
    entry = settings.CELERY_BEAT_SCHEDULE["public-data-export"]
    assert entry["task"] == export_public_data.name == "api.tasks.export_public_data"
    result = export_public_data.delay().get()
    assert result["files"] == 28
    assert exports.read_manifest(exports.current_dump())["generated_at"] == result["generated_at"]


# --- A synthesis's rows, written a chunk at a time --------------------------------------------


def _whole(record):
    """The record with its streamed list read whole, as the files were written before."""
    return {
        key: list(value.items()) if isinstance(value, exports.StreamedList) else value
        for key, value in record.items()
    }


def _written_whole(records, fields):
    """What `write_table` wrote before the rows were streamed: `json.dumps` of each record and
    `csv.writer` of its cells."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(fields)
    for record in records:
        writer.writerow([exports._csv_cell(record[field]) for field in fields])
    return "".join(lines), buffer.getvalue()


def _written(tmp_path, records):
    exports.write_table(tmp_path, "set", "syntheses", records)
    return (
        (tmp_path / "set/syntheses.jsonl").read_bytes().decode("utf-8"),
        (tmp_path / "set/syntheses.csv").read_bytes().decode("utf-8"),
    )


def test_synthesis_rows_are_streamed_into_the_same_bytes(world, tmp_path, monkeypatch):
    monkeypatch.setattr(public, "SYNTHESIS_CHUNK", 1)
    syntheses = visibility.syntheses()
    records = [_whole(record) for record in exports.synthesis_records(syntheses)]
    assert [len(record["rows"]) for record in records] == [2]
    assert [row["text"] for row in records[0]["rows"]] == ["Susțin termenul propus.", None]
    expected = _written_whole(records, exports.TABLES["syntheses"])
    assert _written(tmp_path, exports.synthesis_records(syntheses)) == expected
    jsonl_text, csv_text = expected
    assert json.loads(jsonl_text) == records[0]
    (header, cells) = list(csv.reader(io.StringIO(csv_text)))
    assert json.loads(cells[header.index("rows")]) == records[0]["rows"]


def test_a_streamed_list_is_written_as_the_writers_write_it(tmp_path):
    awkward = {
        "text": 'Citat „x”, cu "ghilimele", virgule,\nrânduri\r\nși = la început',
        "author": "=HYPERLINK(1)",
        "number": 1,
        "applied_in": None,
        "shown": True,
    }
    plain = {"text": "Простo", "author": "Ана", "number": 2, "applied_in": 3, "shown": False}
    base = {
        "proposal": "legea-350",
        "stage": 1,
        "published_at": "2026-01-01T10:00:00+02:00",
        "intro": '= Introducere, cu "ghilimele"\nși rânduri',
        "counts": {"total": 2, "stance": {}, "outcome": {"accepted": 1}},
        "web_url": "https://example.org/s/",
    }
    lists = [[[awkward], [plain]], [[plain, awkward]], [[]], [], [[awkward]]]
    records = [
        {**base, "rows": exports.StreamedList(lambda chunks=chunks: iter(chunks))}
        for chunks in lists
    ]
    whole = [_whole(record) for record in records]
    assert [len(record["rows"]) for record in whole] == [2, 2, 0, 0, 1]
    assert _written(tmp_path, records) == _written_whole(whole, exports.TABLES["syntheses"])


def test_synthesis_rows_are_read_a_chunk_at_a_time(world, tmp_path, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(chunk):
        monkeypatch.setattr(public, "SYNTHESIS_CHUNK", chunk)
        records = exports.synthesis_records(visibility.syntheses())
        with CaptureQueriesContext(connection) as captured:
            exports.write_table(tmp_path, f"chunk-{chunk}", "syntheses", records)
        return len(captured)

    # Two rows: one query for the rows, then one a chunk for the comments no longer shown.
    assert queries(1) - queries(1000) == 1
    assert queries(2) == queries(1000)
