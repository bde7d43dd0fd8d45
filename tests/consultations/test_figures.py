"""Participation figures: the counts equal the database's, the charts carry the same numbers,
the page shows them as tables, the CSV and JSON give them, and a private draft's stay private."""

import base64
import csv
import io
import json
import re
import threading
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.test.signals import template_rendered
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from accounts import regions
from accounts.models import Profile
from consultations import domain, figures
from consultations.models import Stage, StageComment
from tests.consultations.conftest import T0, add_written_stage, first_block_key
from tests.factories import UserFactory

BASE = "/proposals/legea-350/consultation"


def person(name, category, region=""):
    user = UserFactory(display_name=name)
    Profile.objects.filter(user=user).update(respondent_category=category, region=region)
    return user


@pytest.fixture
def debate(editor, consultation, moderator):
    """Stage 1 (written, T0 + 10 days): four people, six comments shown, one hidden, one answer."""
    stage = add_written_stage(editor, consultation, opens_at=T0)
    ana, bogdan = person("Ana", "citizen", "RO-VN"), person("Bogdan", "citizen", "RO-VN")
    ong, firma = person("ONG Sofia", "ngo", "BG-22"), person("Firma SRL", "business")
    key = first_block_key(stage)
    day = timedelta(days=1)

    def post(user, when, **kwargs):
        kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "support")
        return domain.post_comment(user, stage, now=T0 + when, text="Text.", **kwargs)

    first = post(ana, timedelta(hours=1), block_key=key, stance="support")
    post(bogdan, timedelta(hours=2), block_key=key, stance="oppose")
    post(ong, day + timedelta(hours=1), block_key=key, stance="oppose")
    post(firma, 3 * day, stance="neutral")  # on the whole text
    post(ong, 3 * day + timedelta(hours=2), parent_id=first.pk)  # a reply: no stance
    post(ana, 3 * day + timedelta(hours=3), parent_id=first.pk)
    hidden = post(bogdan, 3 * day + timedelta(hours=4), stance="support")
    domain.hide_comment(moderator, hidden, "Publicitate.", now=T0 + 4 * day)
    domain.set_disposition(editor, first, outcome="accepted", reason="Preluat.")
    return stage


def test_figures_count_what_the_database_holds(debate):
    stage = Stage.objects.select_related("revision").get(pk=debate.pk)
    result = figures.figures(
        Stage.objects.filter(pk=stage.pk), zone=stage.consultation.proposal.organization.zone,
        revision=stage.revision,
    )  # fmt: skip
    shown = StageComment.objects.filter(stage=stage, state="visible")
    assert (result.participants, result.comments) == (4, 6)
    assert result.participants == shown.values("user").distinct().count()
    assert result.comments == shown.count()
    assert [(code, people, n) for code, _label, people, n in result.categories] == [
        ("citizen", 2, 3),
        ("ngo", 1, 2),
        ("business", 1, 1),
        ("academia", 0, 0),
        ("public_authority", 0, 0),
        ("other", 0, 0),
    ]
    # Days in Bucharest time, every day from the first comment to the last.
    assert [(day.isoformat(), n) for day, _label, n in result.days] == [
        ("2026-03-02", 2),
        ("2026-03-03", 1),
        ("2026-03-04", 0),
        ("2026-03-05", 3),
    ]
    key = first_block_key(stage)
    assert [row[0] for row in result.stances] == ["", key]
    assert [row[2:] for row in result.stances] == [(0, 0, 1), (1, 2, 0)]
    assert [(code, n) for code, _label, n in result.outcomes] == [
        ("accepted", 1),
        ("partially", 0),
        ("rejected", 0),
        ("not_applicable", 0),
        ("", 3),
    ]


def test_the_page_shows_every_figure_as_a_table(client, debate):
    with translation.override("en"):
        response = client.get(f"{BASE}/stages/1/figures/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    # On a phone each row is a block, each cell under its column's name.
    assert (
        '<th scope="row" data-label="Respondent category">Citizen</th>'
        '<td class="number" data-label="Participants">2</td>'
        '<td class="number" data-label="Comments">3</td>'
    ) in response.content.decode()
    html = without_labels(response.content.decode())
    rows = re.findall(
        r"<tr><th scope=\"row\">(.*?)</th>((?:<td class=\"number\">\d+</td>)+)</tr>", html
    )
    table = {label: re.findall(r">(\d+)<", cells) for label, cells in rows}
    assert table["Citizen"] == ["2", "3"]
    assert table["Non-governmental organisation"] == ["1", "2"]
    assert table["Accepted"] == ["1"]
    assert table["Not answered yet"] == ["3"]
    assert f'src="{BASE}/stages/1/figures/categories.svg"' in html
    assert f'src="{BASE}/stages/1/figures/stances.svg"' in html
    assert f'href="{BASE}/stages/1/figures.csv"' in html


def without_labels(html):
    """The page without the cells' `data-label` (their column's name, for phones)."""
    return re.sub(r' data-label="[^"]*"', "", html)


def _desc(svg):
    return re.search(r"<desc>(.*?)</desc>", svg, re.S).group(1)


def test_each_chart_carries_the_numbers_of_the_database(client, debate):
    response = client.get(f"{BASE}/stages/1/figures/categories.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    # Its own policy: nothing loads or runs in the image; matplotlib's inline styles apply.
    policy = dict(part.split(" ", 1) for part in response["Content-Security-Policy"].split("; "))
    assert policy == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "frame-ancestors": "'none'",
    }
    svg = response.content.decode()
    assert "<script" not in svg
    assert _desc(svg).splitlines() == [
        "Participants: Citizen: 2; Non-governmental organisation: 1; Business: 1; Academia: 0; "
        "Public authority: 0; Other: 0",
        "Comments: Citizen: 3; Non-governmental organisation: 2; Business: 1; Academia: 0; "
        "Public authority: 0; Other: 0",
    ]
    days = client.get(f"{BASE}/stages/1/figures/days.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert _desc(days.content.decode()) == (
        "Comments: 2 March: 2; 3 March: 1; 4 March: 0; 5 March: 3"
    )
    outcomes = client.get(f"{BASE}/figures/outcomes.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert _desc(outcomes.content.decode()) == (
        "Comments: Accepted: 1; Partially accepted: 0; Rejected: 0; Not applicable: 0; "
        "Not answered yet: 3"
    )
    # The whole consultation has no stances chart (its stages debate different texts).
    assert client.get(f"{BASE}/figures/stances.svg").status_code == 404
    assert client.get(f"{BASE}/stages/1/figures/pie.svg").status_code == 404


def test_a_chart_is_drawn_once_per_change(client, debate, citizen):
    url = f"{BASE}/stages/1/figures/categories.svg"
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").content == first
    domain.post_comment(
        citizen, debate, text="Încă una.", stance="support", now=T0 + timedelta(days=5)
    )
    changed = _desc(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()).splitlines()
    assert changed[0].startswith("Participants: Citizen: 3; ")
    assert changed[1].startswith("Comments: Citizen: 4; ")
    # Each language its own chart.
    client.cookies["consult_language"] = "ro"
    romanian = _desc(client.get(url).content.decode())
    assert romanian.startswith("Participanți: Cetățean: 3; ")


def test_csv_and_json_give_the_same_figures(client, debate):
    response = client.get(f"{BASE}/stages/1/figures.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-1-figures.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "key", "label", "value"]
    assert rows[1:3] == [["total", "participants", "Participants", "4"],
                         ["total", "comments", "Comments", "6"]]  # fmt: skip
    assert ["category_comments", "citizen", "Citizen", "3"] in rows
    assert ["day", "2026-03-05", "5 March", "3"] in rows
    assert ["outcome", "unanswered", "Not answered yet", "3"] in rows
    data = json.loads(
        client.get(f"{BASE}/stages/1/figures.json", HTTP_ACCEPT_LANGUAGE="en").content
    )
    assert data[:2] == [
        {"table": "total", "key": "participants", "label": "Participants", "value": 4},
        {"table": "total", "key": "comments", "label": "Comments", "value": 6},
    ]
    assert len(data) == len(rows) - 1


def test_the_figures_of_a_proposal_no_longer_public_are_not_found(client, debate):
    from proposals.models import Proposal

    Proposal.objects.filter(slug="legea-350").update(status="draft")
    for path in ("figures/", "figures.csv", "figures/days.svg", "stages/1/figures/",
                 "stages/1/figures.json", "stages/1/figures/stances.svg"):  # fmt: skip
        assert client.get(f"{BASE}/{path}").status_code == 404


def test_the_page_costs_the_same_queries_whatever_the_number_of_comments(
    client, debate, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        client.get(f"{BASE}/stages/1/figures/")
    many = [person(f"P{n}", "other") for n in range(5)]
    for n, user in enumerate(many):
        domain.post_comment(
            user, debate, text="x", stance="support", now=T0 + timedelta(days=6, minutes=n)
        )
    with django_assert_max_num_queries(20):
        client.get(f"{BASE}/stages/1/figures/")


def test_the_synthesis_page_and_its_pdf_show_the_figures(client, debate, editor):
    client.force_login(editor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # The preview an editor sees; the same section once published.
    html = client.get(f"{BASE}/stages/1/synthesis/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html = without_labels(html)
    section = html.split('id="synthesis-figures"')[1]
    assert "6 comments shown, by 4 participants." in section
    assert (
        '<th scope="row">Citizen</th><td class="number">2</td><td class="number">3</td>' in section
    )
    assert '<th scope="row">Accepted</th><td class="number">1</td>' in section
    assert f'href="{BASE}/stages/1/figures/"' in section
    for comment in StageComment.objects.filter(
        stage=debate, level=0, state="visible", disposition__isnull=True
    ):
        domain.set_disposition(editor, comment, outcome="rejected", reason="Nu se preia.")
    domain.publish_synthesis(editor, debate)
    response = client.get(f"{BASE}/stages/1/synthesis/?page=1", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["figures"].categories[0][1:] == ("Citizen", 2, 3)
    pdf = client.get(f"{BASE}/stages/1/synthesis.pdf")
    assert pdf.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    with translation.override("ro"):  # the PDF speaks the proposal's language
        assert gettext("Participation figures") in text
        assert gettext("Participants and comments by respondent category") in text
        assert f"{gettext('Citizen')} 2 3" in text


def test_figures_count_where_participants_live(client, debate):
    stage = Stage.objects.select_related("revision").get(pk=debate.pk)
    with translation.override("en"):
        result = figures.stage_figures(stage)
    # Ana and Bogdan in Vrancea (3 comments shown: Bogdan's other one is hidden), the NGO in
    # Sofia (2), the firm said nothing; the countries sum to the totals.
    assert result.countries == [
        ("RO", "Romania", 2, 3),
        ("BG", "Bulgaria", 1, 2),
        ("XX", "Another country", 0, 0),
        ("", "Not said", 1, 1),
    ]
    assert sum(row[2] for row in result.countries) == result.participants
    assert sum(row[3] for row in result.countries) == result.comments
    # Fewer than three people in a county or province: counted together, never by name of
    # place (a named author with those comments would be found there).
    few = "Counties or provinces with fewer than 3 participants"
    assert result.regions == [("few", few, 3, 5)]
    for name in ("Cora", "Dan", "Ema"):
        user = person(name, "citizen", "RO-VN")
        domain.post_comment(user, debate, now=T0 + timedelta(hours=5), text="Și eu.",
                            stance="support")  # fmt: skip
    with translation.override("en"):
        result = figures.stage_figures(stage)
    assert result.regions == [("RO-VN", "Vrancea", 5, 6), ("few", few, 1, 2)]
    with translation.override("bg"):
        assert str(regions.LABELS["BG-22"]) == "София (столица)"
    rows = figures_rows(client, "/stages/1/figures.json")
    assert {"table": "country_participants", "key": "not_said", "label": "Not said",
            "value": 1} in rows  # fmt: skip
    assert {"table": "region_comments", "key": "few", "label": few, "value": 2} in rows
    svg = client.get(f"{BASE}/stages/1/figures/regions.svg", HTTP_ACCEPT_LANGUAGE="en")
    assert _desc(svg.content.decode()).splitlines()[0] == f"Participants: Vrancea: 5; {few}: 1"
    html = client.get(f"{BASE}/stages/1/figures/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html = without_labels(html)
    assert '<th scope="row">Vrancea</th><td class="number">5</td><td class="number">6</td>' in html
    assert "Sofia" not in html


def figures_rows(client, path):
    return json.loads(client.get(f"{BASE}{path}", HTTP_ACCEPT_LANGUAGE="en").content)


def _pdf_drawing(data):
    """The content streams of every page of a PDF, decoded."""
    return b"".join(page.get_contents().get_data() for page in PdfReader(io.BytesIO(data)).pages)


def _contexts(template_name):
    """A list the contexts `template_name` is rendered with are added to (until disconnected)."""
    seen = []

    def record(sender, template, context, **kwargs):
        if template.name == template_name:
            seen.append(context.flatten())

    return seen, record


def test_the_synthesis_pdf_draws_the_charts_with_the_databases_numbers(client, debate, editor):
    shown = StageComment.objects.filter(stage=debate, level=0, state="visible")
    for comment in shown.filter(disposition__isnull=True):
        domain.set_disposition(editor, comment, outcome="rejected", reason="Nu se preia.")
    domain.publish_synthesis(editor, debate)
    seen, record = _contexts("consultations/export/synthesis.html")
    template_rendered.connect(record)
    try:
        pdf = client.get(f"{BASE}/stages/1/synthesis.pdf")
    finally:
        template_rendered.disconnect(record)
    assert pdf.status_code == 200
    charts = seen[0]["charts"]
    assert list(charts) == ["categories", "regions", "stances", "outcomes"]
    assert all(src.startswith("data:image/svg+xml;base64,") for src in charts.values())
    charts = {name: base64.b64decode(src.split(",", 1)[1]).decode() for name, src in charts.items()}
    with translation.override("ro"):  # the PDF speaks the proposal's language
        words = {name: gettext(name) for name in ("Participants", "Comments", "Citizen",
                 "Non-governmental organisation", "Business", "Accepted", "Rejected")}  # fmt: skip
    categories = _desc(charts["categories"]).splitlines()
    assert categories[0].startswith(
        f"{words['Participants']}: {words['Citizen']}: 2; "
        f"{words['Non-governmental organisation']}: 1; {words['Business']}: 1; "
    )
    assert categories[1].startswith(
        f"{words['Comments']}: {words['Citizen']}: 3; "
        f"{words['Non-governmental organisation']}: 2; {words['Business']}: 1; "
    )
    accepted = shown.filter(disposition__outcome="accepted").count()
    rejected = shown.filter(disposition__outcome="rejected").count()
    assert (accepted, rejected) == (1, 3)
    outcomes = _desc(charts["outcomes"])
    assert f"{words['Accepted']}: {accepted}; " in outcomes
    assert f"{words['Rejected']}: {rejected}; " in outcomes
    assert _desc(charts["stances"]).splitlines()[0].endswith(": 1")  # support, first paragraph
    # The charts are drawn in the PDF: their bars' colours (Okabe–Ito blue and vermillion).
    drawing = _pdf_drawing(pdf.content)
    assert b"0 0.447059 0.698039 rg" in drawing
    assert b"0.835294 0.368627 0 rg" in drawing


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_live_server_draws_charts_while_the_test_reads_on_a_connection_of_its_own(
    debate, live_server
):
    """The browser tests' server and the test's own thread call the same SQL function written in
    Python (TruncDate's, on SQLite) at once, many times: with one shared sqlite3 connection this
    stopped the whole process for good (consult/settings_test.py says why). Each thread has a
    connection of its own, so both finish."""
    from django.core.cache import cache
    from django.db import connection
    from django.db.models.functions import TruncDate

    assert not (connection.vendor == "sqlite" and connection.is_in_memory_db())
    url = f"{live_server.url}{BASE}/stages/1/figures/days.svg"
    statuses, failures = [], []

    def draw():
        try:
            for _ in range(15):
                with urllib.request.urlopen(url, timeout=30) as response:
                    statuses.append((response.status, b"<svg" in response.read()))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(repr(error))

    server_side = threading.Thread(target=draw)
    server_side.start()
    days = []
    try:
        while server_side.is_alive():
            cache.clear()  # the next chart is drawn again, its query run again
            shown = StageComment.objects.filter(stage=debate, is_public=True, is_removed=False)
            days.append(
                shown.annotate(day=TruncDate("submit_date")).values("day").distinct().count()
            )
    finally:
        server_side.join(60)
    assert failures == []
    assert statuses == [(200, True)] * 15
    assert days and set(days) == {3}
