"""The SQL budget of every page a partner lists things on: exact numbers, whatever the data.

One module so that a change to any budget shows up in review. Each page's number is the same with 1 or 25
rows, 1 or 10 children per row, and with 50 other tenants' data in the tables
(tests/customers/test_query_budgets.py), and a request-level overhead runs under each:
the user (1) and the user's memberships with their organizations (1, also the organization switcher).
The session is read from the cache and the notification badge from the user row: no query.
"""

PAGE_QUERY_BUDGET = {
    # + pending actions: other members?, enrolments, partner ID associated?, the latest agreement acceptance,
    #   the agreement in force
    "dashboard": 7,
    # + selling program, the reseller filter's choices, the capped count, one keyset page (with customer,
    #   profile and reseller joined)
    "customer_list": 6,
    "customer_search": 6,
    "customer_list_by_reseller": 6,
    # + the relationship (with customer, profile, reseller and an EXISTS for active subscriptions),
    #   the agreement acceptances, one page of subscriptions (offer, partner of record, support contact joined)
    "subscription_list": 5,
    # + the capped page of invitations (partner, reseller and customer joined)
    "customer_invitation_list": 3,
    # a reseller's "View customers" of one provider: + the partnership, the capped count, the keyset page
    "provider_customers": 5,
    # a customer's Partner relationships: + partners, subscriptions (offer, partner, partner of record and
    #   support contact joined), the customer agreement acceptances, the agreement in force
    "partner_relationships": 6,
    # + program check, count, page, customer counts per reseller (one GROUP BY), enrolment, invitations
    "reseller_list": 8,
    # + enrolment check, count, page
    "provider_list": 4,
    # + count, page with roles, pending invitations
    "member_list": 5,
    # + count, page with actors
    "activity_log": 4,
    # + count, page
    "notification_list": 4,
    # a new organization's dashboard (nothing enrolled yet: the pending actions stop early)
    "dashboard_new_organization": 4,
    # + listings page with country and services, count
    "directory": 4,
    # Legal info while a verification case waits on the partner: enrolments, cases, documents, partner IDs…
    "enrollment_status_action_needed": 10,
    # + partner IDs with their locations, enrolments
    "identifiers": 6,
    # + enrolments, acceptances, versions, the signing form's data
    "agreements": 10,
    # the landing page of a partnership link, signed out: the invitation with its provider (the first view
    #   also records "opened"; later views write nothing)
    "partnership_landing": 1,
}
