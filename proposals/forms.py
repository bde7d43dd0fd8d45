import math

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Country, Membership, Organization, OrganizationKind, Role
from core.forms import SlugIdentifierField
from core.params import int_param
from core.text import ascii_slug, free_slug
from core.validators import no_control_characters
from proposals import content, merge
from proposals.models import ImportMode, ImportPlacement, Proposal, ProposalKind, Topic

# Addresses of the proposals' own pages (/proposals/new/, /proposals/import/…).
RESERVED_SLUGS = {"new", "import", "preview"}


def _home_country(user):
    """The country of the organisations `user` drafts for (the first of them), for putting its
    authorities first; None without one."""
    return (
        Organization.objects.filter(
            memberships__user=user, memberships__role__in=[Role.ADMIN, Role.EDITOR]
        )
        .exclude(kind=OrganizationKind.AUTHORITY)
        .order_by("name")
        .values_list("country", flat=True)
        .first()
    )


def authority_choices(authorities, first_country=None):
    """The choices of a target-authority picker, grouped so that the right one is found among
    a hundred and more: one group per country (`first_country` first), names in alphabetical
    order, each with its county. A plain `<select>` with `<optgroup>`s: typing on it jumps to a
    name without JavaScript (`static/js/picker.js` adds a search box). Side effects: one query."""
    countries = dict(Country.choices)
    groups = {}
    for authority in authorities.order_by("name", "pk").only("pk", "name", "country", "county"):
        label = f"{authority.name} ({authority.county})" if authority.county else authority.name
        groups.setdefault(authority.country, []).append((authority.pk, label))
    order = sorted(groups, key=lambda country: (country != first_country, country))
    return [("", "---------")] + [
        (countries.get(country, country), groups[country]) for country in order
    ]


def drafting_organizations(user):
    """The organisations `user` drafts for: NGOs and other organisations where they are an
    editor or admin, and verified authorities where they are an admin (their own drafts).
    Each once: the conditions are on the user's own membership, read as a subquery."""
    memberships = Membership.objects.filter(user=user)
    drafting = (
        memberships.filter(role__in=[Role.ADMIN, Role.EDITOR])
        .exclude(organization__kind=OrganizationKind.AUTHORITY)
        .values("organization")
    )
    authorities = memberships.filter(
        role=Role.ADMIN,
        organization__kind=OrganizationKind.AUTHORITY,
        organization__verified_at__isnull=False,
    ).values("organization")
    return Organization.objects.filter(Q(pk__in=drafting) | Q(pk__in=authorities)).order_by("name")


class ProposalCreateForm(forms.ModelForm):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), empty_label=None
    )
    target_authority = forms.ModelChoiceField(
        label=_("Target authority"),
        queryset=Organization.objects.authorities().order_by("country", "name"),
        help_text=_("The public authority that should adopt the proposal."),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Proposal
        fields = [
            "organization",
            "title",
            "slug",
            "summary",
            "kind",
            "target_authority",
            "reference_act",
            "topics",
            "language",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"slug": SlugIdentifierField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = drafting_organizations(user)
        # An authority's own draft needs no target: the authority adopts it (`create_proposal`).
        self.fields["target_authority"].required = False
        self.fields["target_authority"].help_text = _(
            "The public authority that should adopt the proposal. Not needed for an "
            "authority's own draft decision, order or law."
        )
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _(
            "Part of the page address. Leave empty to make one from the title."
        )
        self.fields["target_authority"].choices = authority_choices(
            self.fields["target_authority"].queryset, first_country=_home_country(user)
        )
        self.fields["target_authority"].widget.attrs.update(
            {
                "data-filter-label": _("Find an authority by name or county"),
                "data-filter-count": _("Authorities found: %(count)s"),
            }
        )

    def clean(self):
        cleaned = super().clean()
        organization, kind = cleaned.get("organization"), cleaned.get("kind")
        if (
            organization is not None
            and kind
            and kind not in ProposalKind.for_organization(organization)
        ):
            self.add_error(
                "kind",
                _("An authority drafts decisions, orders and laws; other organisations propose.")
                if organization.is_authority
                else _("Only a public authority drafts its own decisions, orders and laws."),
            )
        if (
            organization is not None
            and not organization.is_authority
            and not cleaned.get("target_authority")
            and "target_authority" not in self.errors
        ):
            self.add_error("target_authority", _("Choose the authority that should adopt it."))
        return cleaned

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if not slug:
            # Made from the title: a title used before gets the first free "-2", "-3"…
            slug = ascii_slug(self.data.get("title", ""), max_length=90)
            if slug:
                taken = {
                    taken.lower()
                    for taken in Proposal.objects.filter(slug__istartswith=slug).values_list(
                        "slug", flat=True
                    )
                }
                slug = free_slug(slug, taken | RESERVED_SLUGS, max_length=100)
        if not slug:
            raise forms.ValidationError(_("Type an address name (letters, digits, hyphens)."))
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                _("The address name “%(slug)s” is taken; choose another.") % {"slug": slug}
            )
        if Proposal.objects.filter(slug__iexact=slug).exists():
            raise forms.ValidationError(
                _("The address name “%(slug)s” is taken; choose another.") % {"slug": slug}
            )
        return slug


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        validators=[no_control_characters],
        help_text=_("Shown publicly on the proposal's page."),
    )


def parse_editor(data):
    """Read the editor's POST into (fields, blocks, op).

    Blocks come as blocks-<i>-<field>; each has a position number (to reorder without
    JavaScript) and a delete checkbox. `op` is the button pressed: "save", "add-<type>".
    Raises ValueError with a message for a malformed submission.
    """
    count = int_param(data.get("block_count", "0"))
    if count is None:
        raise ValueError(_("The editor form is damaged; reload the page."))
    if not 0 <= count <= content.MAX_BLOCKS:
        raise ValueError(_("Too many blocks (at most %(max)s).") % {"max": content.MAX_BLOCKS})
    blocks = []
    for index in range(count):
        prefix = f"blocks-{index}-"
        block_type = data.get(prefix + "type", "")
        if block_type not in content.BLOCK_FIELDS:
            raise ValueError(_("The editor form is damaged; reload the page."))
        if data.get(prefix + "delete"):
            continue
        block = {"key": data.get(prefix + "key", ""), "type": block_type}
        for field in content.BLOCK_FIELDS[block_type]:
            block[field] = data.get(prefix + field, "")
        try:
            position = float(data.get(prefix + "position", index + 1))
        except ValueError:
            position = index + 1
        if not math.isfinite(position):
            position = index + 1
        blocks.append((position, index, block))
    blocks.sort(key=lambda item: (item[0], item[1]))
    fields = {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "message": data.get("message", ""),
    }
    op = data.get("op", "save")
    return fields, [block for _position, _index, block in blocks], op


def parse_resolutions(data):
    """Read the conflicts the editor form carries back after a save that could not be merged
    (see `proposals.merge.resolve`): for each, hidden "conflict" (its key), "conflict-<key>-kind",
    "conflict-<key>-fields", and the radio "resolve-<key>" (the editor's choice, may be
    missing). Raises ValueError for a malformed submission."""
    damaged = ValueError(_("The editor form is damaged; reload the page."))
    known_fields = set(merge.HEADER_FIELDS).union(*content.BLOCK_FIELDS.values())
    resolutions = []
    keys = data.getlist("conflict") if hasattr(data, "getlist") else data.get("conflict", [])
    if len(keys) > content.MAX_BLOCKS + len(merge.HEADER_FIELDS):
        raise damaged
    for key in dict.fromkeys(keys):
        if key not in merge.HEADER_FIELDS and not content.KEY_PATTERN.match(key):
            raise damaged
        kind = data.get(f"conflict-{key}-kind", "")
        fields = tuple(name for name in data.get(f"conflict-{key}-fields", "").split(",") if name)
        if kind not in merge.CONFLICT_KINDS or not fields or not set(fields) <= known_fields:
            raise damaged
        choice = data.get(f"resolve-{key}", "")
        if choice not in (merge.THEIRS, merge.MINE):
            choice = ""
        resolutions.append(merge.Resolution(key, kind, fields, choice))
    return resolutions


def clean_source(data):
    """Exactly one of a file and a pasted text; `text` is None when a file was chosen."""
    has_file = bool(data.get("upload"))
    has_text = bool((data.get("text") or "").strip())
    if has_file == has_text:
        raise forms.ValidationError(
            _("Choose a file or paste a text (one of the two).")
            if not has_file
            else _("Choose a file or paste a text, not both.")
        )
    if not has_text:
        data["text"] = None
    return data


class ImportSourceForm(forms.Form):
    """What to import and from where: a file, or text pasted into the page."""

    mode = forms.ChoiceField(
        label=_("What are you importing?"),
        choices=ImportMode.choices,
        initial=ImportMode.DOCUMENT,
        widget=forms.RadioSelect,
    )
    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_(
            "DOCX, ODT, Markdown, HTML or plain text. Headings become headings, paragraphs "
            "become texts; lists, tables, bold, italics and links are kept."
        ),
    )
    text = forms.CharField(
        label=_("Or paste the text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "For example the text of a law copied from the legislation portal, in either "
            "spelling (ş or ș)."
        ),
    )

    def clean(self):
        return clean_source(super().clean())


class ImportIntoProposalForm(ImportSourceForm):
    placement = forms.ChoiceField(
        label=_("Where does the imported text go?"),
        choices=ImportPlacement.choices,
        initial=ImportPlacement.APPEND,
        widget=forms.RadioSelect,
        help_text=_(
            "For a document. The units of a law always become new amendment rows after the "
            "current ones. Earlier versions stay in the history either way."
        ),
    )


class ProposalImportForm(ProposalCreateForm):
    """A new proposal whose first revision is an imported document."""

    field_order = ["mode", "upload", "text"]

    mode = ImportSourceForm.base_fields["mode"]
    upload = ImportSourceForm.base_fields["upload"]
    text = ImportSourceForm.base_fields["text"]

    def clean(self):
        data = clean_source(super().clean())
        if data.get("mode") == ImportMode.ACT and data.get("kind") != ProposalKind.AMENDMENT:
            self.add_error(
                "kind",
                _(
                    "The text of a normative act becomes amendment rows: choose “Amendment to "
                    "a normative act”."
                ),
            )
        return data

    def new_proposal(self):
        """The fields of the proposal to create, as the import keeps them until confirmed."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "slug": data["slug"],
            "summary": data["summary"],
            "kind": data["kind"],
            "target_authority": (
                data["target_authority"].pk
                if data["target_authority"] is not None
                else data["organization"].pk
            ),
            "reference_act": data["reference_act"],
            "language": data["language"],
            "topics": [topic.pk for topic in data["topics"]],
        }


class CoauthorInviteForm(forms.Form):
    """The owner chooses an organisation to invite (`coauthors.invitable_organizations`)."""

    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.none(),
        empty_label=_("Choose an organisation"),
        help_text=_("Its administrators are asked by email to accept or decline."),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class EndorseForm(forms.Form):
    """Endorsing in one's own name ("") or in the name of an organisation one administers."""

    endorser = forms.ChoiceField(label=_("Endorse as"))
    statement = forms.CharField(
        label=_("Public statement (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        validators=[no_control_characters],
        help_text=_("Shown on the proposal's page next to your name, at most 1000 characters."),
    )

    def __init__(self, *args, user, organizations, may_endorse_personally, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if may_endorse_personally:
            choices.append(("", _("Myself (%(name)s)") % {"name": user.public_name}))
        choices += [(str(organization.pk), organization.name) for organization in organizations]
        self.fields["endorser"].choices = choices
        self.fields["endorser"].required = not may_endorse_personally
        self.organizations = {str(organization.pk): organization for organization in organizations}

    def endorsing_organization(self):
        return self.organizations.get(self.cleaned_data.get("endorser") or "")
