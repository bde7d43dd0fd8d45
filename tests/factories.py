import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User

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
