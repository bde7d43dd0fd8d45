"""The "new proposal" form."""

import pytest

from accounts.models import Organization
from core.models import ActivityLog
from proposals.models import Proposal, Revision
from tests.factories import MembershipFactory, ProposalFactory

NEW = "/proposals/new/"


@pytest.fixture
def form_data(ngo, authority):
    return {
        "organization": str(ngo.pk),
        "title": "Finanțare multianuală pentru ONG-uri",
        "slug": "",
        "summary": "Contracte pe trei ani.",
        "kind": "policy",
        "target_authority": str(authority.pk),
        "reference_act": "Legea nr. 350/2005",
        "language": "ro",
    }


@pytest.fixture
def editor_client(en_client, ngo_editor):
    en_client.force_login(ngo_editor)
    return en_client


def _field_errors(response):
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


@pytest.mark.django_db
def test_create_valid_form_makes_draft_without_revision(editor_client, form_data, ngo, ngo_editor):
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 302
    assert response["Location"] == "/proposals/finantare-multianuala-pentru-ong-uri/edit/"
    proposal = Proposal.objects.get()
    assert (proposal.slug, proposal.organization, proposal.kind, proposal.status) == (
        "finantare-multianuala-pentru-ong-uri",
        ngo,
        "policy",
        "draft",
    )
    assert (proposal.reference_act, proposal.created_by) == ("Legea nr. 350/2005", ngo_editor)
    # The history starts with the first real text, never with the empty template.
    assert proposal.revisions.count() == 0
    assert proposal.current_revision is None


@pytest.mark.django_db
def test_create_get_shows_only_authorities_and_own_organisations(editor_client, ngo, other_member):
    response = editor_client.get(NEW)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["organization"].queryset) == [ngo]
    targets = form.fields["target_authority"].queryset
    assert targets.exists()
    assert not targets.exclude(kind="authority").exists()


@pytest.mark.django_db
def test_create_empty_title_form_error(editor_client, form_data):
    form_data["title"] = ""
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    errors = _field_errors(response)
    assert errors["title"] == ["This field is required."]
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_unknown_target_authority_form_error(editor_client, form_data):
    form_data["target_authority"] = str(Organization.objects.order_by("-pk").first().pk + 1000)
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert _field_errors(response)["target_authority"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_ngo_as_target_authority_form_error(editor_client, form_data, ngo):
    form_data["target_authority"] = str(ngo.pk)
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert _field_errors(response)["target_authority"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_target_authority_not_a_number_form_error(editor_client, form_data):
    form_data["target_authority"] = "primaria"
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert "target_authority" in _field_errors(response)
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_for_organisation_of_which_not_editor_form_error(editor_client, form_data):
    stranger = MembershipFactory(role="editor").organization
    form_data["organization"] = str(stranger.pk)
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert "organization" in _field_errors(response)
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_slug_clash_form_error(editor_client, form_data, ngo, ngo_editor):
    ProposalFactory(editor=ngo_editor, organization=ngo, slug="legea-350")
    form_data["slug"] = "legea-350"
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert _field_errors(response)["slug"] == [
        "The address name “legea-350” is taken; choose another."
    ]
    assert Proposal.objects.count() == 1


@pytest.mark.django_db
def test_a_title_used_before_gets_the_first_free_address(editor_client, form_data, ngo, ngo_editor):
    for slug in ("finantare-multianuala-pentru-ong-uri", "finantare-multianuala-pentru-ong-uri-2"):
        ProposalFactory(editor=ngo_editor, organization=ngo, slug=slug)
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 302
    created = Proposal.objects.get(slug="finantare-multianuala-pentru-ong-uri-3")
    assert response["Location"] == f"/proposals/{created.slug}/edit/"
    assert created.title == form_data["title"]
    assert Proposal.objects.count() == 3


@pytest.mark.django_db
def test_the_address_made_from_a_law_title_keeps_its_numbers_apart(editor_client, form_data):
    form_data["title"] = "Legea nr. 350/2005 — finanțări nerambursabile"
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 302
    assert Proposal.objects.get().slug == "legea-350-2005-finantari-nerambursabile"


@pytest.mark.django_db
def test_create_title_with_nul_byte_form_error(editor_client, form_data):
    form_data["title"] = "Titlu \x00 ascuns"
    form_data["slug"] = "titlu"
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 200
    assert "title" in _field_errors(response)
    assert not Proposal.objects.exists()
    assert not Revision.objects.exists()
    assert not ActivityLog.objects.filter(verb__startswith="proposal.").exists()


@pytest.mark.django_db
def test_create_user_without_drafting_rights_403(client, outsider, authority):
    registrar = MembershipFactory(organization=authority, role="admin").user
    for user in (outsider, registrar):
        client.force_login(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, {"title": "x"}).status_code == 403
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_create_anonymous_redirected_to_login(client):
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/proposals/new/"


def _groups(form):
    return {
        label: options
        for label, options in form.fields["target_authority"].choices
        if isinstance(options, list)
    }


@pytest.mark.django_db
def test_the_authority_picker_is_grouped_by_country_own_country_first(editor_client, authority):
    form = editor_client.get(NEW).context["form"]
    groups = _groups(form)
    assert list(groups) == ["Romania", "Bulgaria"]
    # Every authority once, in its country's group, by name, with its county.
    authorities = Organization.objects.authorities()
    assert sorted(value for options in groups.values() for value, _ in options) == sorted(
        authorities.values_list("pk", flat=True)
    )
    assert [value for value, _ in groups["Bulgaria"]] == list(
        authorities.filter(country="BG").order_by("name", "pk").values_list("pk", flat=True)
    )
    assert (authority.pk, "Primăria Municipiului Focșani (Vrancea)") in groups["Romania"]
    html = editor_client.get(NEW).content.decode()
    assert '<optgroup label="Romania">' in html
    assert html.index('<optgroup label="Romania">') < html.index('<optgroup label="Bulgaria">')
    assert 'data-filter-label="Find an authority by name or county"' in html


@pytest.mark.django_db
def test_a_bulgarian_organisation_sees_bulgarian_authorities_first(en_client):
    editor = MembershipFactory(
        role="editor", organization__country="BG", organization__name="Сдружение"
    ).user
    en_client.force_login(editor)
    assert list(_groups(en_client.get(NEW).context["form"])) == ["Bulgaria", "Romania"]


@pytest.mark.django_db
def test_create_for_an_organisation_with_several_editors(editor_client, form_data, ngo):
    # Other members of the same organisation (two editors, an admin): it is offered once, and
    # the proposal is made (a join per membership had made the choice ambiguous: a 500).
    for role in ("editor", "editor", "admin"):
        MembershipFactory(organization=ngo, role=role)
    elsewhere = MembershipFactory(role="editor").organization  # someone else's organisation
    response = editor_client.get(NEW)
    assert list(response.context["form"].fields["organization"].queryset) == [ngo]
    assert elsewhere not in response.context["form"].fields["organization"].queryset
    response = editor_client.post(NEW, form_data)
    assert response.status_code == 302
    assert Proposal.objects.get().organization == ngo
