"""A Bulgarian authority's own draft is answered in the справка of the Law on Normative Acts
(art. 26), whatever language its text was set to, with the recommendations received by email
or on paper listed with their channel and day, as on the site."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from consultations import domain, exports
from consultations.models import Channel
from tests.consultations.authority_drafts import announce, draft_of
from tests.factories import MembershipFactory, OrganizationFactory

SOFIA = ZoneInfo("Europe/Sofia")
OPENS = datetime(2026, 11, 30, 9, 0, tzinfo=SOFIA)  # Monday 30 November 2026


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sofia(db):
    authority = OrganizationFactory(
        kind="authority",
        name="Столична община",
        slug="obshtina-sofia-test",
        country="BG",
        county="София-град",
        locality="София",
        verified_at=OPENS - timedelta(days=30),
    )
    admin = MembershipFactory(organization=authority, role="admin").user
    registrar = MembershipFactory(organization=authority, role="registrar").user
    return authority, admin, registrar


@pytest.fixture
def synthesis(sofia):
    authority, admin, registrar = sofia
    proposal, note = draft_of(admin, authority, slug="naredba-parkirane")
    assert proposal.language == "ro"  # the text's language does not decide the form
    consultation = domain.create_consultation(admin, proposal, title="Обществена консултация")
    stage = announce(
        admin, consultation, note, opens_at=OPENS, days=30, adoption=date(2026, 12, 31)
    )
    during = OPENS + timedelta(days=5)
    by_email = domain.log_recommendation(
        registrar,
        stage,
        author="Сдружение „Паркинг“",
        received_on=date(2026, 12, 2),
        text="Да се увеличат местата за живущи.",
        channel=Channel.EMAIL,
        now=during,
    )
    on_paper = domain.log_recommendation(
        admin,
        stage,
        author="Иван Петров",
        received_on=date(2026, 12, 3),
        text="Таксата да бъде по-ниска.",
        channel=Channel.PAPER,
        now=during,
    )
    domain.set_disposition(admin, by_email, outcome="accepted", reason="Отразено в чл. 1.")
    domain.set_disposition(
        admin, on_paper, outcome="rejected", reason="Таксата е определена със закон."
    )
    return domain.publish_synthesis(admin, stage, now=OPENS + timedelta(days=31))


def test_the_bulgarian_authoritys_draft_gets_the_spravka(synthesis):
    assert exports.legal_language(synthesis.stage.consultation.proposal) == "bg"
    assert exports.synthesis_filename(synthesis, "csv") == "naredba-parkirane-1-spravka.csv"
    table = b"".join(exports.synthesis_csv(synthesis)).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(table))) == [
        ["№", "Автор", "Текст", "Предложение", "Приема/не приема", "Мотиви"],
        [
            "1",
            "Сдружение „Паркинг“ (постъпило по електронна поща на 2 декември 2026 г.)",
            "Целият текст",
            "Да се увеличат местата за живущи.",
            "Приема",
            "Отразено в чл. 1.",
        ],
        [
            "2",
            "Иван Петров (постъпило на хартия на 3 декември 2026 г.)",
            "Целият текст",
            "Таксата да бъде по-ниска.",
            "Не приема",
            "Таксата е определена със закон.",
        ],
    ]


def test_the_spravka_pdf_is_in_bulgarian(synthesis):
    data = exports.synthesis_pdf(synthesis)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )
    assert text.startswith("Справка за отразяване на постъпилите предложения Столична община")
    assert "30 ноември 2026 г., 09:00 ч." in text
    assert "Иван Петров (постъпило на хартия на 3 декември 2026 г.)" in text
    assert "Не приема" in text


def test_no_e_consultare_pack_for_a_bulgarian_authority(synthesis):
    from consultations.publication_pack import check_pack_available
    from core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        check_pack_available(synthesis.stage.consultation)
    assert refused.value.code == "not_romanian"
