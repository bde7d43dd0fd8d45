"""What the reading pages show: the current text, permalinks, hashes, history and the list."""

import pytest

from proposals import domain
from tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    ProposalFactory,
    PublishedProposalFactory,
    TopicFactory,
)
from tests.helpers import save, text_block

DETAIL = "/proposals/finantare-multianuala/"


@pytest.fixture
def published(proposal, ngo_editor, second_editor):
    key = proposal.current_revision.blocks[0]["key"]
    save(
        ngo_editor,
        proposal,
        [
            {"key": "k00000000f1", "type": "heading", "text": "Problema <și> soluția"},
            text_block(key, "Finanțarea se acordă **anual**."),
        ],
        message="Primul text",
    )
    save(
        second_editor,
        proposal,
        [
            {"key": "k00000000f1", "type": "heading", "text": "Problema <și> soluția"},
            text_block(key, "Finanțarea se acordă **multianual**, prin concurs."),
        ],
        message="Multianual",
    )
    domain.publish_proposal(ngo_editor, proposal)
    proposal.refresh_from_db()
    return proposal


@pytest.mark.django_db
def test_detail_shows_current_revision(en_client, published):
    response = en_client.get(DETAIL)
    assert response.status_code == 200
    assert response.context["revision"].number == 3
    html = response.content.decode()
    assert (
        '<h2 class="block block-heading" id="block-k00000000f1">Problema &lt;și&gt; soluția</h2>'
        in html
    )
    assert "<p>Finanțarea se acordă <strong>multianual</strong>, prin concurs.</p>" in html
    assert f"SHA-256: <code>{published.current_revision.content_hash}</code>" in html
    assert "Revision 3, saved by Mihai Ionescu" in html
    assert "This is not the current version" not in html
    assert '<div class="proposal-text" lang="ro">' in html


@pytest.mark.django_db
def test_revision_permalink_shows_old_text_and_link_to_current(en_client, published):
    response = en_client.get(DETAIL + "v/2/")
    assert response.status_code == 200
    html = response.content.decode()
    second = published.revisions.get(number=2)
    assert "<p>Finanțarea se acordă <strong>anual</strong>.</p>" in html
    assert f"SHA-256: <code>{second.content_hash}</code>" in html
    assert "http://testserver/proposals/finantare-multianuala/v/2/" in html
    assert "This is not the current version (revision 3)." in html
    assert 'href="/proposals/finantare-multianuala/compare/2/3/"' in html
    assert "<q>Primul text</q>" in html
    assert "Restore this version" not in html  # only editors may restore


@pytest.mark.django_db
def test_revision_page_restore_link_for_editor_on_old_revision_only(
    en_client, published, ngo_editor
):
    en_client.force_login(ngo_editor)
    assert (
        'href="/proposals/finantare-multianuala/v/2/restore/"'
        in en_client.get(DETAIL + "v/2/").content.decode()
    )
    assert "/restore/" not in en_client.get(DETAIL + "v/3/").content.decode()


@pytest.mark.django_db
def test_history_page_lists_every_revision_with_author_message_and_counts(en_client, published):
    response = en_client.get(DETAIL + "history/")
    assert response.status_code == 200
    rows = [
        (r.number, r.author.public_name, r.message, r.words_added, r.words_removed)
        for r in response.context["page"].object_list
    ]
    first_message = published.revisions.get(number=1).message
    assert rows == [
        (3, "Mihai Ionescu", "Multianual", 3, 1),
        (2, "Editor ONG", "Primul text", 7, 4),
        (1, "Editor ONG", first_message, 4, 0),
    ]
    html = response.content.decode()
    assert '<span class="words-added">+3</span> <span class="words-removed">−1</span>' in html
    # The newest pair is preselected for comparing.
    assert 'name="a" value="2" aria-label="Compare from version 2" checked' in html
    assert 'name="b" value="3" aria-label="Compare to version 3" checked' in html


@pytest.mark.django_db
def test_amendment_page_renders_blocks_escaped(en_client, ngo, ngo_editor):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350"
    )
    key = proposal.current_revision.blocks[0]["key"]
    block = {
        "key": key,
        "type": "amendment",
        "article": 'Art. 5 "alin. (2)"',
        "action": "insert",
        "in_force": "",
        "proposed": "Linia 1\n<b>Linia 2</b>",
        "rationale": "Vezi [legea](https://legislatie.just.ro/).",
    }
    save(ngo_editor, proposal, [block])
    domain.publish_proposal(ngo_editor, proposal)
    html = en_client.get("/proposals/legea-350/").content.decode()
    assert 'aria-label="Art. 5 &quot;alin. (2)&quot;"' in html
    assert '<span class="badge badge-muted">Insert</span>' in html
    assert "Text in force" not in html.split('<section class="block block-amendment"')[1]
    assert '<blockquote class="proposed">Linia 1<br>&lt;b&gt;Linia 2&lt;/b&gt;</blockquote>' in html
    assert 'href="https://legislatie.just.ro/"' in html
    assert 'href="/proposals/legea-350/v/2/table/"' in html


@pytest.mark.django_db
def test_proposal_list_filters_by_kind_status_and_title(client, ngo, ngo_editor):
    policy = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="policy", slug="p", title="Politica apei"
    )
    amendment = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="a", title="Legea 350"
    )
    withdrawn = ProposalFactory(editor=ngo_editor, organization=ngo, slug="w", title="Retrasă")
    for proposal in (policy, amendment, withdrawn):
        domain.publish_proposal(ngo_editor, proposal)
    domain.withdraw_proposal(ngo_editor, withdrawn, "Motiv.")

    def slugs(query):
        response = client.get("/proposals/" + query)
        assert response.status_code == 200
        return [proposal.slug for proposal in response.context["page"].object_list]

    assert slugs("") == ["w", "a", "p"]
    assert slugs("?kind=policy") == ["p"]
    assert slugs("?kind=amendment") == ["a"]
    assert slugs("?status=withdrawn") == ["w"]
    assert slugs("?q=legea") == ["a"]
    assert slugs("?q=nimic") == []
    assert slugs("?kind=bogus&status=bogus") == ["w", "a", "p"]
    assert slugs("?page=abc") == ["w", "a", "p"]


@pytest.mark.django_db
def test_proposal_list_filters_by_organisation_authority_and_topic(en_client, ngo, ngo_editor):
    water, schools = TopicFactory(slug="apa", name_en="Water"), TopicFactory(slug="scoli")
    town, county = AuthorityFactory(slug="primaria-x"), AuthorityFactory(slug="consiliul-y")
    other = MembershipFactory(role="editor", organization__slug="alt-ong")
    PublishedProposalFactory(
        editor=ngo_editor, organization=ngo, slug="a", target_authority=town, topics=[water]
    )
    PublishedProposalFactory(
        editor=ngo_editor, organization=ngo, slug="b", target_authority=county, topics=[schools]
    )
    PublishedProposalFactory(
        editor=other.user,
        organization=other.organization,
        slug="c",
        target_authority=town,
        topics=[water, schools],
    )
    # A draft: neither listed nor offered as a choice to a visitor.
    hidden = AuthorityFactory(slug="ascunsa")
    ProposalFactory(editor=ngo_editor, organization=ngo, slug="d", target_authority=hidden)

    def slugs(query):
        response = en_client.get("/proposals/" + query)
        assert response.status_code == 200
        return [proposal.slug for proposal in response.context["page"].object_list]

    assert slugs("?organization=" + ngo.slug) == ["b", "a"]
    assert slugs("?organization=alt-ong") == ["c"]
    assert slugs("?authority=primaria-x") == ["c", "a"]
    assert slugs("?topic=apa") == ["c", "a"]
    assert slugs("?topic=scoli&authority=primaria-x") == ["c"]
    assert slugs("?authority=ascunsa") == []
    # Not a slug or unknown: the filter is ignored or matches nothing, never an error.
    assert slugs("?topic=%3Cb%3E&organization=" + "x" * 500) == ["c", "b", "a"]
    assert slugs("?topic=nu-exista") == []
    response = en_client.get("/proposals/?topic=apa")
    # The choices: what visible proposals have, by name.
    assert [o.slug for o in response.context["authorities"]] == [
        o.slug for o in sorted([town, county], key=lambda o: o.name)
    ]
    assert {o.slug for o in response.context["organizations"]} == {ngo.slug, "alt-ong"}
    assert "ascunsa" not in response.content.decode()
    html = response.content.decode()
    assert '<option value="apa" selected>Water</option>' in html
    assert "2 proposals match these filters." in html
    assert 'href="/proposals/">Clear the filters</a>' in html
    assert "Clear the filters" not in en_client.get("/proposals/").content.decode()
