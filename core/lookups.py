"""Integer lookups without the values no integer column can hold.

Django leaves a number beyond a column's range out of `exact`, `gt`, `lt`… on an integer field
(it matches nothing, or everything), but sends it with `in`, and with any lookup through a
relation (`organization=…`, `topics__in=…`): SQLite then refuses the query (OverflowError, a
500) where PostgreSQL compares. Ids reach these lookups from people (the files an editor keeps,
the topics a form chooses through `ModelMultipleChoiceField`), so here a value beyond 64 bits,
which no column of any database holds, matches nothing, on every database.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

LOWEST = -(2**63)
HIGHEST = 2**63 - 1


def _holdable(value):
    return not isinstance(value, int) or LOWEST <= value <= HIGHEST


class InRange:
    """`in` without the values no column holds (none left: the lookup matches nothing)."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            self.rhs = [value for value in self.rhs if _holdable(value)]
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(InRange, In):
    pass


class RelatedInRange(InRange, RelatedIn):
    pass


class RelatedExactInRange(RelatedExact):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value() and not _holdable(self.rhs):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def register():
    """Install these lookups on every integer field and every relation."""
    IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedInRange)
    ForeignObject.register_lookup(RelatedExactInRange)
