"""One way of writing dates per context: the pages people read write a day as the language writes
it — in running text the long form ("4 decembrie 2026", "4 декември 2026 г.", "4 December 2026"),
in the columns of a table the short one ("04.12.2026", "04.12.2026 г.", "04/12/2026") — and never
in the machine form ("2026-12-04") or another country's. Machine forms stay where machines read
them (`<time datetime>`, form values, downloads)."""

import io
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from registrations.models import Submission
from tests.factories import first_legal_texts

ISO_DAY = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")
SLASHED_DAY = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
DOTTED_DAY = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")
LONG_DAY = {
    "ro": re.compile(r"\b\d{1,2} (ianuarie|februarie|martie|aprilie|mai|iunie|iulie|august"
                     r"|septembrie|octombrie|noiembrie|decembrie) \d{4}\b"),
    "bg": re.compile(r"\b\d{1,2} (януари|февруари|март|април|май|юни|юли|август|септември"
                     r"|октомври|ноември|декември) \d{4} г\."),
    "en": re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August"
                     r"|September|October|November|December) \d{4}\b"),
}  # fmt: skip

PAGES = [
    "/",
    "/proposals/",
    "/proposals/modificarea-legii-350-2005/",
    "/proposals/modificarea-legii-350-2005/history/",
    "/proposals/modificarea-legii-350-2005/compare/1/5/",
    "/proposals/modificarea-legii-350-2005/activity/",
    "/proposals/modificarea-legii-350-2005/consultation/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/1/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/2/",
    "/proposals/modificarea-legii-350-2005/consultation/stages/3/",
    "/proposals/modificarea-legii-350-2005/consultation/figures/",
    "/organisations/vrancea-civica/",
    "/legal/terms/",
    "/register/",
]
REGISTRAR_PAGES = [
    "/register/authority/primaria-municipiului-focsani/",
    "/register/authority/primaria-municipiului-focsani/inbox/",
    "/register/authority/primaria-municipiului-focsani/log/",
]


class VisibleText(HTMLParser):
    """The text a reader sees, in running text and in tables apart: no tags, attributes,
    scripts or styles."""

    def __init__(self):
        super().__init__()
        self.running, self.tables = [], []
        self.skipping = self.table_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "textarea"):
            self.skipping += 1
        elif tag == "table":
            self.table_depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea") and self.skipping:
            self.skipping -= 1
        elif tag == "table" and self.table_depth:
            self.table_depth -= 1

    def handle_data(self, data):
        if not self.skipping:
            (self.tables if self.table_depth else self.running).append(data)


def visible_text(html):
    """(running text, text in tables), spaces collapsed."""
    parser = VisibleText()
    parser.feed(html)
    return tuple(" ".join(" ".join(parts).split()) for parts in (parser.running, parser.tables))


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=io.StringIO())
    first_legal_texts()


def pages_of(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    law = Submission.objects.get(proposal__slug="legea-350-2005-raportare-publica")
    for path in [*PAGES, law.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 200, path
        yield path, visible_text(response.content.decode())
    client.force_login(User.objects.get(email="elena.dumitru@demo.consult.ro"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for path in REGISTRAR_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        yield path, visible_text(response.content.decode())


SHORT_DAY = {"ro": DOTTED_DAY, "bg": DOTTED_DAY, "en": SLASHED_DAY}


def _refuse(pattern, text, path):
    found = pattern.search(text)
    context = text[max(found.start() - 80, 0) : found.end() + 40] if found else ""
    assert found is None, f"{path}: {found.group()!r} in …{context}…"


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_pages_write_days_one_way_in_each_context(client, demo, language):
    long_days = short_days = 0
    foreign = [ISO_DAY] + [SHORT_DAY[other] for other in ("ro", "en") if SHORT_DAY[other]
                           is not SHORT_DAY[language]]  # fmt: skip
    for path, (running, tables) in pages_of(client, language):
        for pattern in foreign:
            _refuse(pattern, running + " " + tables, path)
        _refuse(SHORT_DAY[language], running, path)  # running text: the long form only
        long_days += len(LONG_DAY[language].findall(running))
        short_days += len(SHORT_DAY[language].findall(tables))
    # The demo's pages do show days, in both forms where they belong.
    assert long_days > 20
    assert short_days > 5
