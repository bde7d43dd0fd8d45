"""The proposal permissions (proposals/rules.py) as a matrix: who × permission × status."""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.permissions import can
from proposals.models import Proposal, ProposalStatus
from tests.factories import MembershipFactory, ProposalFactory, UserFactory

PERMISSIONS = [
    "proposals.view_proposal",
    "proposals.change_proposal",
    "proposals.publish_proposal",
    "proposals.withdraw_proposal",
]
OUTSIDERS = ["anonymous", "outsider", "staff", "other editor", "registrar"]


def _expected(who, status):
    if who in OUTSIDERS:
        return (status != "draft", False, False, False)
    editable = status in ProposalStatus.editable()
    return (True, editable, True, True)


@pytest.fixture
def people(ngo, ngo_editor, ngo_admin, other_member, authority):
    return {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "staff": UserFactory(is_staff=True),
        "other editor": other_member,
        "registrar": MembershipFactory(organization=authority, role="registrar").user,
        "editor": ngo_editor,
        "admin": ngo_admin,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("status", ProposalStatus.values)
@pytest.mark.parametrize(
    "who", ["anonymous", "outsider", "staff", "other editor", "registrar", "editor", "admin"]
)
def test_proposal_permission_matrix(people, ngo, ngo_editor, who, status):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo)
    # The status is set directly: this test is about the rules, not the moves between statuses.
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    proposal.refresh_from_db()
    person = people[who]
    granted = tuple(can(person, permission, proposal) for permission in PERMISSIONS)
    assert granted == _expected(who, status)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", False),
        ("outsider", False),
        ("staff", False),
        ("registrar", False),
        ("other editor", True),
        ("editor", True),
        ("admin", True),
    ],
)
def test_add_proposal_permission_for_ngo_editors_only(people, who, expected):
    assert can(people[who], "proposals.add_proposal") is expected


@pytest.mark.django_db
def test_add_proposal_permission_refused_to_authority_admin(authority):
    admin = MembershipFactory(organization=authority, role="admin").user
    assert can(admin, "proposals.add_proposal") is False
