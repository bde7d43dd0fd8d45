"""The account's overview page lists co-authoring invitations: those addressed to organisations
the user administers, with buttons that answer them (posting to the invitation's page), and
those the user's organisations sent that still wait for an answer."""

import lxml.html
import pytest
from django.utils import timezone

from proposals import coauthors
from proposals.models import Coauthorship
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory
from tests.helpers import en_client_for, messages_of

pytestmark = pytest.mark.django_db

DASHBOARD = "/accounts/dashboard/"


@pytest.fixture
def partner(db):
    """A municipal association: its admin answers invitations, its editor cannot."""
    organization = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    admin = MembershipFactory(organization=organization, role="admin").user
    editor = MembershipFactory(organization=organization, role="editor").user
    return organization, admin, editor


def invite(ngo_editor, proposal, organization, day):
    return coauthors.invite_coauthor(
        ngo_editor,
        proposal,
        organization,
        now=timezone.make_aware(timezone.datetime(2026, 12, day, 10, 0)),
    )


def page(browser):
    response = browser.get(DASHBOARD)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content)


def items(tree, heading_id):
    """The texts of the list items of the section headed `heading_id` (spaces collapsed)."""
    return [
        " ".join(item.text_content().split())
        for item in tree.xpath(f"//section[@aria-labelledby='{heading_id}']//li")
    ]


def test_invited_admin_sees_the_invitation_with_its_buttons(published, ngo, ngo_editor, partner):
    organization, admin, editor = partner
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, slug="ciorna")
    first = invite(ngo_editor, published, organization, 3)
    draft = invite(ngo_editor, proposal, organization, 4)

    tree = page(en_client_for(admin))
    assert items(tree, "coauthor-invitations-heading") == [
        f"Asociația Vrancea Civică invited Asociația Municipiilor din România on 3 December 2026 "
        f"to co-author: {published.title} Accept Decline",
        f"Asociația Vrancea Civică invited Asociația Municipiilor din România on 4 December 2026 "
        f"to co-author: {proposal.title} Accept Decline",
    ]
    forms = tree.xpath("//section[@aria-labelledby='coauthor-invitations-heading']//form")
    assert [form.get("action") for form in forms] == [
        f"/proposals/{published.slug}/authors/{first.pk}/",
        f"/proposals/{proposal.slug}/authors/{draft.pk}/",
    ]
    assert [form.get("method") for form in forms] == ["post", "post"]
    assert [
        (button.get("name"), button.get("value"), button.get("aria-label"))
        for button in forms[0].xpath(".//button")
    ] == [
        (
            "action",
            "accept",
            f"Accept to co-author “{published.title}” for Asociația Municipiilor din România",
        ),
        (
            "action",
            "decline",
            f"Decline to co-author “{published.title}” for Asociația Municipiilor din România",
        ),
    ]
    assert len(forms[0].xpath(".//input[@name='csrfmiddlewaretoken']")) == 1
    # The admin's organisation sent nothing.
    assert items(tree, "coauthor-sent-heading") == []
    # Its editor cannot answer: nothing to show.
    tree = page(en_client_for(editor))
    assert items(tree, "coauthor-invitations-heading") == []
    assert items(tree, "coauthor-sent-heading") == []


def test_owner_sees_the_invitations_it_sent_until_answered(
    published, ngo_editor, ngo_admin, partner, outsider
):
    organization, admin, _editor = partner
    other = OrganizationFactory(name="Funky Citizens", slug="funky")
    invitation = invite(ngo_editor, published, organization, 3)
    invite(ngo_editor, published, other, 5)

    for person in (ngo_editor, ngo_admin):
        tree = page(en_client_for(person))
        assert items(tree, "coauthor-sent-heading") == [
            f"Asociația Municipiilor din România, invited on 3 December 2026, to co-author "
            f"{published.title} · Withdraw the invitation",
            f"Funky Citizens, invited on 5 December 2026, to co-author "
            f"{published.title} · Withdraw the invitation",
        ]
        assert items(tree, "coauthor-invitations-heading") == []
    links = page(en_client_for(ngo_editor)).xpath(
        "//section[@aria-labelledby='coauthor-sent-heading']//a/@href"
    )
    assert links[:2] == [
        f"/proposals/{published.slug}/authors/",
        f"/proposals/{published.slug}/authors/{invitation.pk}/remove/",
    ]
    tree = page(en_client_for(outsider))
    assert tree.xpath("//section[starts-with(@aria-labelledby, 'coauthor-')]") == []

    coauthors.accept_coauthorship(admin, invitation)
    assert items(page(en_client_for(ngo_editor)), "coauthor-sent-heading") == [
        f"Funky Citizens, invited on 5 December 2026, to co-author "
        f"{published.title} · Withdraw the invitation"
    ]


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("accept", "accepted", "You are now a co-author of it."),
        ("decline", "declined", "The invitation was declined."),
    ],
)
def test_answer_from_the_dashboard(published, ngo_editor, partner, action, status, message):
    organization, admin, _editor = partner
    invitation = invite(ngo_editor, published, organization, 3)
    browser = en_client_for(admin)
    form = page(browser).xpath("//section[@aria-labelledby='coauthor-invitations-heading']//form")
    response = browser.post(form[0].get("action"), {"action": action})
    assert response.status_code == 302
    assert messages_of(response) == [message]
    invitation.refresh_from_db()
    assert (invitation.status, invitation.answered_by) == (status, admin)
    assert items(page(browser), "coauthor-invitations-heading") == []


def test_dashboard_queries_do_not_grow_with_invitations(
    ngo, ngo_editor, ngo_admin, django_assert_num_queries
):
    """The owner's admin also administers the invited organisations: both lists show."""
    browser = en_client_for(ngo_admin)
    proposals = [
        ProposalFactory(editor=ngo_editor, organization=ngo, slug=f"p{n}") for n in range(3)
    ]

    def invite_one(number):
        organization = OrganizationFactory(name=f"Asociația {number}", slug=f"asoc-{number}")
        MembershipFactory(organization=organization, role="admin", user=ngo_admin)
        invite(ngo_editor, proposals[number], organization, number + 1)

    invite_one(0)
    with django_assert_num_queries(QUERIES):
        tree = page(browser)
    assert len(items(tree, "coauthor-invitations-heading")) == 1
    assert len(items(tree, "coauthor-sent-heading")) == 1
    invite_one(1)
    invite_one(2)
    with django_assert_num_queries(QUERIES):
        tree = page(browser)
    assert len(items(tree, "coauthor-invitations-heading")) == 3
    assert len(items(tree, "coauthor-sent-heading")) == 3
    assert Coauthorship.objects.count() == 3


QUERIES = 6
