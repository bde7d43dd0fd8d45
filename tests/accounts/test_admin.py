"""The Django admin goes through the same rules and domain functions as the site: verifying is
for site administrators; membership changes made there are the domain's, with its log rows and
its refusals (the last administrator stays)."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import Membership
from core.models import ActivityLog
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/organization/"


def admin_client(client, **flags):
    user = UserFactory(is_staff=True, **flags)
    if not flags.get("is_superuser"):
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="accounts",
                codename__in=["view_organization", "change_organization", "view_membership"],
            )
        )
    client.force_login(user)
    client.cookies["consult_language"] = "en"
    return user


def change_form_data(response):
    """The POST the change page would send back as it is (the organisation and its inline)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value not in (None, ""):
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, subform in enumerate(formset.forms):
            for name in subform.fields:
                value = subform[name].value()
                if value not in (None, ""):
                    data[f"{formset.prefix}-{index}-{name}"] = value
    return data


def test_site_administrator_verifies_through_the_admin_action(client, ngo):
    admin = admin_client(client, is_superuser=True)
    response = client.post(CHANGELIST, {"action": "verify", "_selected_action": [ngo.pk]})
    assert response.status_code == 302
    ngo.refresh_from_db()
    assert (ngo.is_verified, ngo.verified_by) == (True, admin)
    assert ActivityLog.objects.filter(verb="organization.verified", actor=admin).count() == 1


def test_staff_who_may_change_organisations_are_not_offered_verification(client, ngo):
    admin_client(client)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert 'value="verify"' not in page.content.decode()
    response = client.post(CHANGELIST, {"action": "verify", "_selected_action": [ngo.pk]})
    ngo.refresh_from_db()
    assert response.status_code == 200  # "No action selected": the action does not exist
    assert ngo.verified_at is None
    assert not ActivityLog.objects.filter(verb="organization.verified").exists()


def test_member_added_in_the_admin_is_added_and_logged_by_the_domain(client, ngo, ngo_admin):
    admin = admin_client(client, is_superuser=True)
    newcomer = UserFactory(display_name="Nou Venit")
    url = f"{CHANGELIST}{ngo.pk}/change/"
    data = change_form_data(client.get(url))
    total = int(data["memberships-TOTAL_FORMS"])
    data.update(
        {
            "memberships-TOTAL_FORMS": total + 1,
            f"memberships-{total}-user": newcomer.pk,
            f"memberships-{total}-role": "editor",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert Membership.objects.get(organization=ngo, user=newcomer).role == "editor"
    row = ActivityLog.objects.get(verb="membership.added", data__member=newcomer.pk)
    assert (row.actor, row.new_value) == (admin, "editor")


def test_removing_the_last_administrator_in_the_admin_is_refused_with_a_message(
    client, ngo, ngo_admin
):
    admin_client(client, is_superuser=True)
    url = f"{CHANGELIST}{ngo.pk}/change/"
    data = change_form_data(client.get(url))
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.endswith("-user") and value == ngo_admin.pk
    )
    data[f"memberships-{index}-DELETE"] = "on"
    response = client.post(url, data, follow=True)
    assert Membership.objects.filter(organization=ngo, user=ngo_admin, role="admin").exists()
    assert any("last administrator" in str(m) for m in response.context["messages"])
    assert not ActivityLog.objects.filter(verb="membership.removed").exists()


def test_other_members_stay_untouched_when_the_form_is_saved_unchanged(client, ngo, ngo_admin):
    admin_client(client, is_superuser=True)
    MembershipFactory(organization=ngo, role="editor")
    url = f"{CHANGELIST}{ngo.pk}/change/"
    response = client.post(url, change_form_data(client.get(url)))
    assert response.status_code == 302
    assert (
        not ActivityLog.objects.filter(verb__startswith="membership.")
        .exclude(verb="membership.added")
        .exists()
    )
