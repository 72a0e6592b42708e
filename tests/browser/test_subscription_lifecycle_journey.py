"""The subscription lifecycle in a real Chromium (issue 18 §2): an Admin agent of the provider opens a
customer's subscription, schedules a lower quantity and an annual term for the renewal and reads them back
("At renewal on …"), then upgrades the subscription to the higher offer of its family and follows the links
between the new subscription and the one it replaced. Every page is checked at 1280 and 390 px
(tests/browser/helpers.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_schedule_a_change_for_renewal_then_upgrade(live_server, settings, browser, seller, customer, offers,
                                                    make_member):  # fmt: skip
    from customers.models import Subscription
    from partnerhub.accounts.models import Role
    from tests.scenarios import make_offer

    settings.SITE_URL = live_server.url
    standard = offers["standard"]
    standard.terms, standard.family, standard.family_rank = ["P1M", "P1Y"], "business", 1
    standard.save()
    premium = make_offer("PH-BIZ-PREM", "Business Premium", price="22.00")
    premium.terms, premium.family, premium.family_rank = ["P1M", "P1Y"], "business", 2
    premium.save()
    member = make_member(seller[0], Role.ADMIN_AGENT, email="adele@contoso.example")
    tenant = customer.organization.tenant_id

    page = sign_in(browser, live_server.url, member.user.email, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/customers/{tenant}/")
    page.get_by_role("link", name="Business Standard").click()
    expect(page.get_by_test_id("renewal-summary")).to_contain_text("Renews on")

    schedule = page.get_by_test_id("schedule-form")
    schedule.get_by_label("Quantity at renewal").fill("4")
    schedule.get_by_label("Term at renewal").select_option(label="Annual")
    schedule.get_by_test_id("schedule-submit").click()
    expect(page.get_by_text("The changes for the renewal were saved.")).to_be_visible()
    expect(page.get_by_test_id("renewal-summary")).to_contain_text(re.compile(r"At renewal on .+: quantity 4, annual"))
    shot(page, "subscription-renewal-scheduled")

    upgrade = page.get_by_test_id("upgrade-form")
    upgrade.get_by_label("Upgrade to").select_option(label="Business Premium · 22.00")
    upgrade.get_by_test_id("upgrade-submit").click()
    expect(page.get_by_text("The subscription was upgraded to Business Premium.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Business Premium")
    expect(page.get_by_test_id("subscription-status")).to_have_text("Active")

    page.get_by_test_id("upgraded-from").get_by_role("link").click()
    expect(page.get_by_test_id("subscription-status")).to_have_text("Upgraded")
    expect(page.get_by_test_id("upgraded-to")).to_contain_text("Business Premium")

    old = Subscription.objects.get(customer=customer.organization, offer=standard)
    assert (old.status, old.upgraded_to.offer) == ("upgraded", premium)
    assert old.upgraded_to.term_end == old.term_end
