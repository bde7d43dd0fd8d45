# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""Two admins saving the first draft of a year's annual report at the same moment, on
PostgreSQL: the authority's row is locked first, so the second waits, then updates the report
the first created (no duplicate key error)."""

from datetime import datetime

import pytest
from django.db import connection

from registrations import reports
from registrations.models import AnnualReport
from tests.concurrency import second_while_first_is_open
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    BUCHAREST,
    authority_admin,
)
from tests.factories import MembershipFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=BUCHAREST)


def test_two_first_saves_at_once_make_one_report(authority_admin, verified_authority):
    other_admin = MembershipFactory(organization=verified_authority, role="admin").user

    def first():
        reports.save_report_draft(
            authority_admin, verified_authority, 2026, now=NOW, assessment="Prima variantă."
        )

    def second():
        return reports.save_report_draft(
            other_admin, verified_authority, 2026, now=NOW, assessment="A doua variantă."
        )

    report = second_while_first_is_open(first, second)
    assert list(
        AnnualReport.objects.values_list("authority_id", "year", "assessment", "updated_by_id")
    ) == [(verified_authority.pk, 2026, "A doua variantă.", other_admin.pk)]
    assert report.pk == AnnualReport.objects.get().pk
