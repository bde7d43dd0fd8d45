"""Fixtures only the proposals tests use. Proposals are built through the domain
(tests.factories.ProposalFactory), so revision 1 exists; `proposal`, `published`, `authority`
and the other fixtures shared with other folders are in tests/conftest.py, and plain helpers
(`save`, `text_block`, `editor_data`…) in tests/helpers.py."""

import pytest

from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def second_editor(ngo):
    return MembershipFactory(
        organization=ngo, role="editor", user__display_name="Mihai Ionescu"
    ).user


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True, display_name="Root")
