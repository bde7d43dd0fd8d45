"""Statements of the hottest write path (posting a comment), written once per process from the
models' fields instead of compiled by the ORM for every call.

The ORM compiles each statement anew: for a row's INSERT that is most of the statement's cost
in the web process (measured: a queue row's INSERT 173 µs through the ORM, 69 µs written once;
a five-table read 1.4 ms, of which compiling 1.05 ms). An `Insert` here is the statement the
ORM would send: the same table and columns (the model's concrete fields, every value prepared
as the ORM's save prepares it, `pre_save` then `get_db_prep_save`), executed through the
connection's cursor, so that the connection's execute wrappers (`core.earlycache`) see it.
It sends no signal: a caller that needs what a `post_save` receiver would do does it itself.

Statements are kept per database vendor, keyed by what they are made from. On PostgreSQL they
are sent through `kept_cursor()`: bound on the server and prepared once per connection, so that the
database plans each of them once per connection instead of once per call (see `kept_cursor`).
"""

from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.transaction import TransactionManagementError
from django.db.utils import NotSupportedError

_KEPT = {}


def _default():
    """The default database's connection object itself, looked up once per call here:
    `django.db.connection` is a proxy that looks it up again (in context-local storage) at every
    attribute read, and each statement of the posting path read it a dozen times."""
    return connections[DEFAULT_DB_ALIAS]


def kept(key, make, db=None):
    """The statement `make()` made for `key` on the default database's vendor (`db`, that
    database's connection, when the caller has it): made at first use, then kept for the
    process. Side effects: none."""
    full = ((db or _default()).vendor, key)
    found = _KEPT.get(full)
    if found is None:
        found = _KEPT[full] = make()
    return found


def kept_cursor():
    """A cursor of the default connection for the statements kept here. On PostgreSQL, with
    connections kept between requests (`CONN_MAX_AGE` not 0, no pool of Django's) and unless
    `DATABASE_PREPARED_STATEMENTS` is off, it binds values on the server and prepares each
    statement the first time the connection runs it: the database parses and plans it once per
    connection instead of once per call (a five-table read planned in 0.29 ms ran in 0.07 ms).
    A connection made for one request would prepare for nothing (one more round trip per
    statement), so there they go as the ORM's do; the ORM's own statements are never prepared.
    psycopg drops a connection's prepared statements when a transaction or savepoint is rolled
    back: a refused post prepares them again.

    A prepared statement belongs to its connection: a migration that changes the type of a
    column one of them returns makes it fail ("cached plan must not change result type") on
    the connections opened before it, once (`_Prepared`); restarting the app servers after
    migrating, as a deploy does, avoids even that. Behind a pooler that shares server
    connections between clients by transaction, set DATABASE_PREPARED_STATEMENTS=0 unless it
    keeps prepared statements apart (PgBouncer 1.22+ with max_prepared_statements).

    Either cursor's `db` is the connection itself.

    Side effects: opens the connection if it is not open."""
    db = _default()
    if not _prepares(db):
        return db.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    db.ensure_connection()
    return _Prepared(db._prepare_cursor(ServerBindingCursor(db.connection)), db)


def _prepares(db):
    if db.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return False
    found = db.settings_dict
    options = found["OPTIONS"]
    return (
        found["CONN_MAX_AGE"] != 0
        and not options.get("pool")
        and not options.get("server_side_binding")
        # Django's query log (DEBUG, a test counting queries) has no text for a prepared
        # statement's run: there they are sent as the ORM's are.
        and not db.queries_logged
    )


class _Prepared:
    """A kept statement's cursor (`kept_cursor()`): the connection's cursor wrapper (its execute
    wrappers and query log included), its statements prepared on the connection. The
    connection's own setting stays Django's (never prepare), so that the ORM's statements are
    not even counted for preparing; only this cursor's are."""

    def __init__(self, wrapped, db):
        self.wrapped = wrapped
        self.db = db

    def __getattr__(self, name):
        return getattr(self.wrapped, name)

    def __iter__(self):
        return iter(self.wrapped)

    def __enter__(self):
        self.wrapped.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self.wrapped.__exit__(*exc_info)

    def execute(self, statement, params=None):
        db = self.db
        raw = db.connection
        raw.prepare_threshold = 0  # prepared at its first run on this connection
        try:
            return self.wrapped.execute(statement, params)
        except NotSupportedError as error:
            if getattr(error.__cause__, "sqlstate", None) == "0A000" and not db.in_atomic_block:
                # "cached plan must not change result type": a column's type changed under a
                # statement prepared before. In a transaction, its rollback drops the
                # connection's prepared statements; outside one, the connection goes now.
                db.close()
            raise
        finally:
            if db.connection is raw:
                raw.prepare_threshold = None


@contextmanager
def pipeline():
    """Inside a transaction on PostgreSQL, the statements sent in the block go to the database
    without waiting for each one's answer (psycopg's pipeline mode): a run of writes whose
    results nobody reads costs one round trip instead of one each (measured, eight INSERTs in a
    transaction: 1.5 ms of CPU, client and server, one by one; 0.75 ms pipelined). Reading a
    result (`fetchone`, an INSERT's returned id) waits for the statements sent before it; the
    rest are answered when the block ends.

    For blocks of statements kept here (`Insert`, `run`, `one`) and reads: a write's
    `rowcount` is not known inside the block (-1), so no ORM `save()` or `update()` whose
    count decides what happens next belongs in it. An error of a statement in the block is
    raised where its result is read or when the block ends, as Django's error (an
    `IntegrityError` for a broken unique constraint); the statements after it in the block are
    not run, and the transaction is to be rolled back, as after any error. On SQLite, or without
    pipeline support in the client library, the statements go one by one, as outside the block.

    Side effects: none of its own (the block's statements, sent earlier)."""
    db = _default()
    if db.vendor != "postgresql":
        yield
        return
    if not db.in_atomic_block:
        raise TransactionManagementError("A pipeline of statements runs in a transaction.")
    if not psycopg.Pipeline.is_supported():
        yield
        return
    db.ensure_connection()
    with db.wrap_database_errors, db.connection.pipeline():
        yield


def one(key, make, params):
    """The first row (or None) the statement kept under `key` (`kept(key, make)`) gives for
    `params`. Side effects: those of the statement."""
    with kept_cursor() as found:
        found.execute(kept(key, make, found.db), params)
        return found.fetchone()


def run(key, make, params):
    """Execute the statement kept under `key` (`kept(key, make)`) with `params`; returns the
    number of rows it changed. Side effects: those of the statement."""
    with kept_cursor() as found:
        found.execute(kept(key, make, found.db), params)
        return found.rowcount


def _lock(key):
    """The arguments of an advisory lock function, and their values, for `key`: one number (the
    bigint form) or a pair of int4 (a kind of lock and the object it is about)."""
    if isinstance(key, tuple):
        return "%s, %s", list(key)
    return "%s", [key]


def transaction_lock(key):
    """On PostgreSQL, the advisory lock `key` (any number, the same in every process; or a pair,
    `_lock`) until the transaction ends: one holder at a time, across processes. SQLite
    serialises writing transactions itself, so nothing is taken there. Side effects: the
    lock."""
    db = _default()
    if db.vendor == "postgresql":
        marks, values = _lock(key)
        with db.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock({marks})", values)


def shared_transaction_lock(key):
    """On PostgreSQL, the advisory lock `key` (as `transaction_lock`) shared until the transaction
    ends: its holders do not wait for each other, only for `barrier(key)`. Nothing on SQLite.
    Side effects: the lock."""
    db = _default()
    if db.vendor == "postgresql":
        if not db.in_atomic_block:
            raise TransactionManagementError("A transaction lock must be taken in a transaction.")
        marks, values = _lock(key)
        # Kept and prepared as the posting path's other statements: every new thread takes it.
        run(("shared_lock", marks), lambda: f"SELECT pg_advisory_xact_lock_shared({marks})", values)


class BarrierTimeout(Exception):
    """`barrier` waited longer than its `timeout` for the holders of its lock."""


def barrier(key, read, timeout=0.5):
    """`read()` run once every transaction holding the shared lock `key` when it was called has
    ended, while no other can take it; its result returned. On PostgreSQL the lock is taken in
    a transaction of its own (a savepoint inside one) around `read` alone, so that no pooler
    of connections by transaction can separate them, and `read`, a statement after the lock
    (READ COMMITTED, Django's default), sees what those holders committed. While it waits, new
    holders queue behind it: after `timeout` seconds (a holder held up elsewhere) it gives up
    and raises `BarrierTimeout`, having read nothing. On SQLite, `read()` alone (its writers
    queue for the whole database). Side effects: those of `read`."""
    db = _default()
    if db.vendor != "postgresql":
        return read()
    marks, values = _lock(key)
    try:
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                [f"{round(timeout * 1000)}ms"],
            )
            (before, _now) = cursor.fetchone()
            cursor.execute(f"SELECT pg_advisory_xact_lock({marks})", values)
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
            return read()
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
            raise BarrierTimeout(f"No barrier {key} within {timeout} s.") from error
        raise


def quoted(model, names):
    """The quoted table of `model` and its quoted columns for the field names `names`."""
    ops = _default().ops
    columns = {field.name: field.column for field in model._meta.concrete_fields}
    columns.update({field.attname: field.column for field in model._meta.concrete_fields})
    return ops.quote_name(model._meta.db_table), [ops.quote_name(columns[name]) for name in names]


def converters(field):
    """What turns the database's value of `field`'s column into the field's Python value, as
    the ORM's compiler applies it (the backend's converters, then the field's own:
    `from_db_value`). Side effects: none."""
    db = _default()
    column = field.get_col(field.model._meta.db_table)
    found = db.ops.get_db_converters(column) + column.get_db_converters(db)
    return [(converter, column) for converter in found]


def converted(values, converters, db=None):
    """`values` (a row's columns) with `converters` (one list per column) applied (`db`, the
    default database's connection, when the caller has it)."""
    db = db or _default()
    return [
        _apply(value, found, db) if found else value
        for value, found in zip(values, converters, strict=True)
    ]


def part(model, fields):
    """What `made` needs to read `model`'s `fields` (in the model's order) from a row: the
    model, the field names and their converters. Side effects: none."""
    return (model, [field.attname for field in fields], [converters(f) for f in fields])


def made(parts, row):
    """The instances of one row holding each of `parts` (`part`) one after the other: each made
    as the ORM makes it (`from_db`, every value converted), or None where its primary key is
    empty (a LEFT JOIN that found nothing)."""
    db = _default()
    found, start = [], 0
    for model, names, found_converters in parts:
        values = converted(row[start : start + len(names)], found_converters, db)
        start += len(names)
        empty = values[names.index(model._meta.pk.attname)] is None
        found.append(None if empty else model.from_db(db.alias, names, values))
    return found


def _apply(value, found, db):
    for converter, column in found:
        value = converter(value, column, db)
    return value


class Insert:
    """The INSERT of one row of `model`'s own table (its local concrete fields; for a child of
    multi-table inheritance, the parents' rows are other `Insert`s). An automatic primary key
    is left to the database; with `returning`, it is read back. So is a field with a database
    default and no Python one (`db_default` alone, e.g. a creation time): its value, even one
    set on the instance, is the database's. With `ignore_conflicts`, a row
    that would break a unique constraint is not inserted (both vendors: ON CONFLICT DO
    NOTHING)."""

    def __init__(self, model, *, returning=False, ignore_conflicts=False):
        automatic = model._meta.auto_field
        fields = [
            field
            for field in model._meta.local_concrete_fields
            if field is not automatic and not (field.has_db_default() and not field.has_default())
        ]
        self.fields = fields
        self.pk = model._meta.pk
        db = _default()
        table, columns = quoted(model, [field.attname for field in fields])
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        if ignore_conflicts:
            self.sql += " ON CONFLICT DO NOTHING"
        self.returning = returning and db.features.can_return_columns_from_insert
        if self.returning:
            self.sql += f" RETURNING {db.ops.quote_name(self.pk.column)}"
        self.reads_back = returning

    @classmethod
    def of(cls, model, **options):
        """The kept `Insert` of `model` with `options`. Side effects: none."""
        return kept(
            ("insert", model, tuple(sorted(options.items()))), lambda: cls(model, **options)
        )

    def values(self, instance, db=None):
        db = db or _default()
        return [field.get_db_prep_save(field.pre_save(instance, True), db) for field in self.fields]

    def execute(self, instance, cursor=None):
        """Insert `instance` (a new one); with `returning`, set its primary key. Returns the
        number of rows inserted (0 for a conflict ignored). Side effects: the row; the instance
        is marked as saved."""
        if cursor is None:
            with kept_cursor() as cursor:
                return self.execute(instance, cursor)
        cursor.execute(self.sql, self.values(instance, cursor.db))
        if self.reads_back:
            new_id = cursor.fetchone()[0] if self.returning else cursor.lastrowid
            setattr(instance, self.pk.attname, new_id)
        instance._state.adding = False
        instance._state.db = cursor.db.alias
        return cursor.rowcount
