"""factory_boy factories for the tests."""

import factory
from allauth.account.models import EmailAddress

from partnerhub.accounts.models import Membership, Organization, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@contoso.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    legal_name = factory.Sequence(lambda n: f"Organization {n} Ltd")
    country = "US"
    address_line1 = "1 Main Street"
    city = "Seattle"
    state = "WA"
    postal_code = "98101"
    primary_domain = factory.Sequence(lambda n: f"org{n}.example")
    csp_region = "united_states"
    currency = "USD"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [Role.GLOBAL_ADMIN])
