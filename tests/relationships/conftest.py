"""An active indirect provider and verified indirect resellers, built through the real services."""

import re
from datetime import date

import pytest

from agreements.services import agreement_sign, agreement_version_create
from demo.pdf import PARTNER_AGREEMENT, text_pdf
from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from relationships import services
from tests.agreements.conftest import qualify
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff(db):
    return UserFactory(email="olivia@partnerhub.example", is_staff=True, is_superuser=True)


@pytest.fixture
def mpa(db):
    return agreement_version_create(
        type="mpa",
        version="2026-01",
        language="en",
        effective_date=date(2026, 1, 1),
        content=text_pdf("MPA", PARTNER_AGREEMENT),
    )


def sign(organization, user, version):
    agreement_sign(
        organization=organization,
        user=user,
        version=version,
        first_name="A",
        last_name="B",
        email=user.email,
        accepted=True,
    )


@pytest.fixture
def active_provider(admin_member, staff, mpa):
    """Contoso: an active indirect provider; its Global admin is admin_member (megan@contoso.example)."""
    qualify(admin_member.organization, admin_member.user, staff, program="indirect_provider")
    sign(admin_member.organization, admin_member.user, mpa)
    return admin_member.organization


@pytest.fixture
def make_reseller(staff, mpa):
    """make_reseller(name, region=..., qualified=True, signed=True) -> (organization, global admin user)."""
    counter = iter(range(1000))

    def make(name="Fabrikam LLC", *, country="US", csp_region="united_states", qualified=True, signed=True):
        n = next(counter)
        organization = OrganizationFactory(
            legal_name=name, country=country, csp_region=csp_region, primary_domain="contoso.example"
        )
        user = UserFactory(
            email=f"reseller{n}.{organization.pk}@fabrikam.example", first_name="Alex", last_name=f"R{n}"
        )
        MembershipFactory(organization=organization, user=user, roles=[Role.GLOBAL_ADMIN])
        if qualified:
            qualify(organization, user, staff)
            if signed:
                sign(organization, user, mpa)
        return organization, user

    return make


@pytest.fixture
def invitation_link(active_provider, admin_member):
    """A fresh partnership link of the provider: (invitation, path)."""

    def make():
        invitation, token = services.partnership_invitation_create(provider=active_provider, actor=admin_member.user)
        return invitation, f"/partnership/{token}/"

    return make


def emailed_link(to: str) -> str:
    body = OutboundEmail.objects.filter(to=to, template="partnership_invitation").latest("pk").body_text
    return re.search(r"http://testserver(/partnership/[\w-]+/)", body).group(1)
