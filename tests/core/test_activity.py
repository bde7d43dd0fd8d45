import pytest
from django.utils import translation

from core import activity
from core.models import ActivityLog, AppendOnlyError


@pytest.fixture
def entry(ngo, ngo_admin):
    return activity.record(
        ngo_admin, "organization.changed", ngo, old="A", new="B", data={"field": "name"}
    )


def test_record_stores_actor_target_and_values(entry, ngo, ngo_admin):
    stored = ActivityLog.objects.get(pk=entry.pk)
    assert stored.actor == ngo_admin
    assert stored.target == ngo
    assert stored.scope == ngo
    assert (stored.old_value, stored.new_value) == ("A", "B")
    assert stored.target_repr == "Asociația Vrancea Civică"
    with translation.override("en"):
        assert str(stored.field_label) == "name"
    assert str(stored.field_label) == "nume"  # Romanian is the default language


def test_record_refuses_unknown_verbs(ngo, ngo_admin):
    with pytest.raises(ValueError, match="Unknown activity verb"):
        activity.record(ngo_admin, "organization.exploded", ngo)


def test_log_rows_cannot_be_updated_or_deleted(entry):
    entry.new_value = "C"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ActivityLog.objects.filter(pk=entry.pk).update(new_value="C")
    with pytest.raises(AppendOnlyError):
        ActivityLog.objects.filter(pk=entry.pk).delete()
    assert ActivityLog.objects.get(pk=entry.pk).new_value == "B"
