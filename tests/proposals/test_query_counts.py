"""Lists and history pages use a number of queries that does not grow with their length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from proposals import domain
from tests.factories import MembershipFactory, ProposalFactory
from tests.helpers import save, text_block


def _queries(client, url):
    client.get(url)  # warm up per-process caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _proposal_with_revisions(editor, organization, slug, count, *, publish=True):
    proposal = ProposalFactory(editor=editor, organization=organization, slug=slug)
    key = proposal.current_revision.blocks[0]["key"]
    for number in range(2, count + 1):
        save(editor, proposal, [text_block(key, f"Versiunea {number}.")], message=f"v{number}")
    if publish:
        domain.publish_proposal(editor, proposal)
    assert proposal.revisions.count() == count
    return proposal


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_history_page_query_count_independent_of_revisions(client, ngo, ngo_editor, who):
    if who == "editor":
        client.force_login(ngo_editor)
    _proposal_with_revisions(ngo_editor, ngo, "cinci", 5)
    _proposal_with_revisions(ngo_editor, ngo, "saizeci", 60)
    few = _queries(client, "/proposals/cinci/history/")
    many = _queries(client, "/proposals/saizeci/history/")
    assert many == few
    page2 = _queries(client, "/proposals/saizeci/history/?page=2")
    assert page2 == few


@pytest.mark.django_db
def test_history_page_lists_newest_first_fifty_per_page(en_client, ngo, ngo_editor):
    _proposal_with_revisions(ngo_editor, ngo, "saizeci", 60)
    response = en_client.get("/proposals/saizeci/history/")
    numbers = [revision.number for revision in response.context["page"].object_list]
    assert numbers == list(range(60, 10, -1))
    response = en_client.get("/proposals/saizeci/history/?page=2")
    assert [revision.number for revision in response.context["page"].object_list] == list(
        range(10, 0, -1)
    )


@pytest.mark.django_db
def test_activity_page_query_count_independent_of_entries(client, ngo, ngo_editor):
    _proposal_with_revisions(ngo_editor, ngo, "cinci", 5)
    _proposal_with_revisions(ngo_editor, ngo, "saizeci", 60)
    assert _queries(client, "/proposals/saizeci/activity/") == _queries(
        client, "/proposals/cinci/activity/"
    )


def _proposals(count, prefix):
    for index in range(count):
        editor = MembershipFactory(role="editor").user
        proposal = ProposalFactory(editor=editor, slug=f"{prefix}-{index}")
        domain.publish_proposal(editor, proposal)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_proposal_list_query_count_independent_of_proposals(client, ngo, ngo_editor, who):
    if who == "editor":
        client.force_login(ngo_editor)
        ProposalFactory(editor=ngo_editor, organization=ngo, slug="ciorna")  # a draft they see
    _proposals(3, "putine")
    few = _queries(client, "/proposals/")
    _proposals(22, "multe")
    many = _queries(client, "/proposals/")
    assert many == few
    response = client.get("/proposals/")
    assert len(response.context["page"].object_list) == 20
    assert response.context["page"].paginator.count == 25 + (who == "editor")


@pytest.mark.django_db
def test_revision_page_query_count_independent_of_blocks(client, ngo, ngo_editor):
    one = ProposalFactory(editor=ngo_editor, organization=ngo, slug="un-bloc")
    many = ProposalFactory(editor=ngo_editor, organization=ngo, slug="multe-blocuri")
    save(ngo_editor, one, [text_block("k0000000001", "**Unu**")])
    save(
        ngo_editor,
        many,
        [text_block(f"k{index:010x}", f"**Bloc {index}**") for index in range(40)],
    )
    domain.publish_proposal(ngo_editor, one)
    domain.publish_proposal(ngo_editor, many)
    assert _queries(client, "/proposals/multe-blocuri/v/2/") == _queries(
        client, "/proposals/un-bloc/v/2/"
    )
    assert _queries(client, "/proposals/multe-blocuri/compare/1/2/") == _queries(
        client, "/proposals/un-bloc/compare/1/2/"
    )
