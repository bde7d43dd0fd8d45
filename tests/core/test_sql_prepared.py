"""The posting path's kept statements (`core.sql`) prepared once per PostgreSQL connection."""

import psycopg
import pytest
from django.db import connection
from django.db.utils import NotSupportedError
from django.test.utils import CaptureQueriesContext

from core import sql

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@pytest.fixture(autouse=True)
def kept_connections(monkeypatch):
    """Connections kept between requests, as in production (`DATABASE_CONN_MAX_AGE`): only
    there are statements prepared."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def _prepared(marker):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_kept_statement_is_prepared_once_per_connection_and_answers_as_before():
    make = lambda: "SELECT %s::integer + 1 AS prepared_probe_one"  # noqa: E731
    answers = [sql.one("test-prepared-one", make, [value]) for value in (1, 41, 99)]
    assert answers == [(2,), (42,), (100,)]
    assert _prepared("prepared_probe_one") == 1


@pytest.mark.django_db
def test_writes_through_a_kept_statement_count_their_rows(django_user_model):
    make = lambda: "UPDATE accounts_user SET is_active = %s WHERE id = %s"  # noqa: E731
    first = django_user_model.objects.create_user(email="a@example.org", password="x" * 12)
    assert sql.run("test-prepared-run", make, [False, first.pk]) == 1
    assert sql.run("test-prepared-run", make, [False, first.pk + 1000]) == 0
    first.refresh_from_db()
    assert first.is_active is False


@pytest.mark.django_db
def test_nothing_is_prepared_when_the_setting_is_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    make = lambda: "SELECT %s::integer AS prepared_probe_off"  # noqa: E731
    assert sql.one("test-prepared-off", make, [7]) == (7,)
    assert sql.one("test-prepared-off", make, [8]) == (8,)
    assert _prepared("prepared_probe_off") == 0


@pytest.mark.django_db
def test_a_query_log_gets_the_statements_text_and_nothing_is_prepared():
    make = lambda: "SELECT %s::integer AS prepared_probe_logged"  # noqa: E731
    with CaptureQueriesContext(connection) as captured:
        assert sql.one("test-prepared-logged", make, [5]) == (5,)
    assert [query["sql"] for query in captured] == ["SELECT 5::integer AS prepared_probe_logged"]
    assert _prepared("prepared_probe_logged") == 0


@pytest.mark.django_db
def test_nothing_is_prepared_on_a_connection_made_for_one_request(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    make = lambda: "SELECT %s::integer AS prepared_probe_short"  # noqa: E731
    assert sql.one("test-prepared-short", make, [3]) == (3,)
    assert _prepared("prepared_probe_short") == 0


@pytest.mark.django_db
def test_the_orms_statements_are_not_prepared_between_kept_ones():
    make = lambda: "SELECT %s::integer AS prepared_probe_between"  # noqa: E731
    sql.one("test-prepared-between", make, [1])
    assert connection.connection.prepare_threshold is None
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT %s::integer AS orm_probe_between", [2])
    assert _prepared("prepared_probe_between") == 1
    assert _prepared("orm_probe_between") == 0


def _other_connection():
    params = connection.get_connection_params()
    return psycopg.connect(
        **{key: params[key] for key in ("dbname", "user", "host", "port") if key in params},
        autocommit=True,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_prepared_statement_that_no_longer_fits_its_table_fails_once():
    from django.db import transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE consult_prepared_probe (id integer, value integer)")
        cursor.execute("INSERT INTO consult_prepared_probe VALUES (1, 10)")
    try:
        make = lambda: "SELECT value FROM consult_prepared_probe WHERE id = %s"  # noqa: E731
        assert sql.one("test-prepared-stale", make, [1]) == (10,)
        assert _prepared("consult_prepared_probe") == 1
        # A migration run by another process changes the type of the column read: outside a
        # transaction, the connection that meets it is closed at once; the next run prepares
        # the statement again.
        with _other_connection() as other:
            other.execute("ALTER TABLE consult_prepared_probe ALTER COLUMN value TYPE bigint")
        with pytest.raises(NotSupportedError, match="cached plan must not change result type"):
            sql.one("test-prepared-stale", make, [1])
        assert connection.connection is None
        assert sql.one("test-prepared-stale", make, [1]) == (10,)
        # In a transaction, its rollback drops the prepared statements.
        with _other_connection() as other:
            other.execute("ALTER TABLE consult_prepared_probe ALTER COLUMN value TYPE numeric")
        with pytest.raises(NotSupportedError), transaction.atomic():
            sql.one("test-prepared-stale", make, [1])
        assert sql.one("test-prepared-stale", make, [1]) == (10,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE consult_prepared_probe")
