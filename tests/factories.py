import factory
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization, Role, User, hash_token

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A participant with a verified email address (as after signing up and confirming)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)

    @factory.post_generation
    def display_name(self, create, extracted, **kwargs):
        if create and extracted:
            self.profile.display_name = extracted
            self.profile.save()

    @factory.post_generation
    def language(self, create, extracted, **kwargs):
        # The default language unless given, not whichever language a request left active.
        language = extracted or settings.LANGUAGE_CODE
        if create and self.profile.language != language:
            self.profile.language = language
            self.profile.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = "ngo"
    name = factory.Sequence(lambda n: f"Asociația Civică {n}")
    slug = factory.Sequence(lambda n: f"asociatia-civica-{n}")
    country = "RO"
    county = "Vrancea"
    locality = "Focșani"


class AuthorityFactory(OrganizationFactory):
    kind = "authority"
    name = factory.Sequence(lambda n: f"Primăria Orașului {n}")
    slug = factory.Sequence(lambda n: f"primaria-orasului-{n}")
    verified_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.EDITOR


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation. Pass `token=` to know the link: only the token's hash is stored."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"invitation-token-{n:04d}")

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.EDITOR
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(Invitation.default_expiry)
