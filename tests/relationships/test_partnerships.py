"""Both sides' lists, removing the partnership or the admin access, isolation and races."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from partnerhub.accounts.models import Role
from partnerhub.core.models import OutboundEmail
from relationships import services
from relationships.models import PartnerRelationship, PartnershipInvitation
from tests.budgets import PAGE_QUERY_BUDGET
from tests.threads import platform_thread


def _table(response, testid="reseller-table"):
    """One list's table (messages and the requests history name partners too)."""
    return response.content.decode().split(f'data-testid="{testid}"')[1].split("</table>")[0]


@pytest.fixture
def partnership(active_provider, admin_member, make_reseller):
    reseller, user = make_reseller()
    invitation, token = services.partnership_invitation_create(provider=active_provider, actor=admin_member.user)
    relationship = services.partnership_accept(invitation=invitation, reseller=reseller, user=user)
    return relationship, user


def test_the_provider_removes_the_partnership_after_a_confirmation(admin_client, partnership):
    relationship, _ = partnership
    confirm = admin_client.get(f"/partners/resellers/{relationship.pk}/remove/").content.decode()
    assert "delegated admin privileges stay unchanged" in confirm
    assert "doesn't notify customers" in confirm

    admin_client.post(f"/partners/resellers/{relationship.pk}/remove/")

    relationship.refresh_from_db()
    assert relationship.status == "removed"
    assert "Fabrikam LLC" not in _table(admin_client.get("/partners/resellers/"))
    assert OutboundEmail.objects.filter(template="partnership_removed").count() == 2


def test_the_reseller_removes_admin_access_then_the_partnership(client, partnership):
    relationship, user = partnership
    client.force_login(user)

    client.post(f"/partners/providers/{relationship.pk}/admin-access/")
    relationship.refresh_from_db()
    assert (relationship.admin_access, relationship.status) == (False, "active")
    assert OutboundEmail.objects.filter(template="partnership_admin_access_removed").count() == 2

    client.post(f"/partners/providers/{relationship.pk}/remove/")
    relationship.refresh_from_db()
    assert relationship.status == "removed"


def test_removing_twice_changes_nothing_more(admin_client, partnership):
    relationship, _ = partnership
    admin_client.post(f"/partners/resellers/{relationship.pk}/remove/")
    sent = OutboundEmail.objects.count()

    assert admin_client.post(f"/partners/resellers/{relationship.pk}/remove/").status_code == 404
    assert OutboundEmail.objects.count() == sent


@pytest.mark.parametrize("role", [Role.ADMIN_AGENT, Role.SALES_AGENT])
def test_only_global_admins_remove(client, make_member, partnership, role):
    relationship, _ = partnership
    client.force_login(make_member(relationship.provider, role).user)

    assert client.post(f"/partners/resellers/{relationship.pk}/remove/").status_code == 403
    relationship.refresh_from_db()
    assert relationship.status == "active"


def test_outsider_gets_404_on_every_partnership_url(client, partnership, outsider_member, invitation_link):
    relationship, _ = partnership
    invitation, _ = invitation_link()
    client.force_login(outsider_member.user)
    urls = [
        ("post", f"/partners/resellers/{relationship.pk}/remove/"),
        ("get", f"/partners/resellers/{relationship.pk}/remove/"),
        ("post", f"/partners/providers/{relationship.pk}/remove/"),
        ("post", f"/partners/providers/{relationship.pk}/admin-access/"),
        ("get", f"/partners/resellers/invitations/{invitation.pk}/draft/"),
        ("post", f"/partners/resellers/invitations/{invitation.pk}/resend/"),
        ("post", f"/partners/resellers/invitations/{invitation.pk}/revoke/"),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code in (403, 404), url
    # An outsider that is not a provider gets 403 on provider pages; a provider outsider must get 404.
    relationship.refresh_from_db()
    invitation.refresh_from_db()
    assert (relationship.status, relationship.admin_access, invitation.status) == ("active", True, "sent")


def test_an_outsider_provider_gets_404(client, partnership, invitation_link, make_reseller, staff, mpa):
    from tests.scenarios import qualify, sign

    relationship, _ = partnership
    invitation, _ = invitation_link()
    other, user = make_reseller("Other Distribution", qualified=False)
    qualify(other, user, staff, program="indirect_provider")
    sign(other, user, mpa)
    client.force_login(user)

    for method, url in [
        ("post", f"/partners/resellers/{relationship.pk}/remove/"),
        ("get", f"/partners/resellers/invitations/{invitation.pk}/draft/"),
        ("post", f"/partners/resellers/invitations/{invitation.pk}/resend/"),
        ("post", f"/partners/resellers/invitations/{invitation.pk}/revoke/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert "Fabrikam" not in client.get("/partners/resellers/").content.decode()


@pytest.mark.parametrize("count", [1, 30])
def test_both_lists_pin_their_query_count(
    active_provider, admin_member, make_reseller, django_assert_num_queries, count
):
    for n in range(count):
        reseller, user = make_reseller(f"Reseller {n:02d}")
        invitation, _ = services.partnership_invitation_create(provider=active_provider, actor=admin_member.user)
        services.partnership_accept(invitation=invitation, reseller=reseller, user=user)
    provider_client = Client()
    provider_client.force_login(admin_member.user)
    reseller_client = Client()
    reseller_client.force_login(user)

    with django_assert_num_queries(PAGE_QUERY_BUDGET["reseller_list"]):
        page = provider_client.get("/partners/resellers/")
    assert len(re.findall(r"Reseller \d\d", _table(page))) == min(count, 25)
    with django_assert_num_queries(PAGE_QUERY_BUDGET["provider_list"]):
        reseller_client.get("/partners/providers/")


def test_resellers_list_searches_by_name_and_partner_id(admin_client, partnership):
    relationship, _ = partnership
    number = relationship.reseller.partner_ids.get(csp_associated=True).number

    assert "Fabrikam LLC" in _table(admin_client.get("/partners/resellers/?q=fabri"))
    assert "Fabrikam LLC" not in _table(admin_client.get("/partners/resellers/?q=zzz"))
    assert "Fabrikam LLC" in _table(admin_client.get(f"/partners/resellers/?q={number}"))


@pytest.mark.django_db(transaction=True)
def test_eight_resellers_racing_for_one_link_make_one_partnership_50_times(
    active_provider, admin_member, make_reseller
):
    resellers = [make_reseller(f"Racer {n}") for n in range(8)]
    for _ in range(50):
        invitation, _token = services.partnership_invitation_create(provider=active_provider, actor=admin_member.user)
        barrier, errors, created = threading.Barrier(8), [], []

        def accept(organization, user, invitation=invitation, barrier=barrier, errors=errors, created=created):
            barrier.wait()
            try:
                created.append(services.partnership_accept(invitation=invitation, reseller=organization, user=user))
            except services.PartnershipRefused:
                pass
            except Exception as exc:  # anything else would be a 500
                errors.append(exc)
            finally:
                connection.close()

        threads = [platform_thread(accept, *reseller) for reseller in resellers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(created) == 1
        PartnerRelationship.objects.filter(pk=created[0].pk).update(
            status="removed"
        )  # free the pair for the next round
    assert PartnershipInvitation.objects.filter(accepted_at__isnull=False).count() == 50


@pytest.mark.django_db(transaction=True)
def test_two_links_accepted_at_once_by_one_reseller_make_one_partnership(active_provider, admin_member, make_reseller):
    reseller, user = make_reseller()
    invitations = [
        services.partnership_invitation_create(provider=active_provider, actor=admin_member.user)[0] for _ in range(2)
    ]
    barrier, outcomes = threading.Barrier(2), []

    def accept(invitation):
        barrier.wait()
        try:
            services.partnership_accept(invitation=invitation, reseller=reseller, user=user)
            outcomes.append("created")
        except services.PartnershipRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [platform_thread(accept, invitation) for invitation in invitations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_partners", "created"]
    assert PartnerRelationship.objects.filter(status="active").count() == 1
