"""The SQL budget of every page a partner lists things on: exact numbers, whatever the data.

One module so that a change to any budget shows up in review. Each page's number is the same with 1 or 25
rows, 1 or 10 children per row, and with 50 other tenants' data in the tables
(tests/customers/test_query_budgets.py), and a request-level overhead runs under each:
the user (1), the row-level security context of the transaction (1, partnerhub/core/rls.py) and the user's
memberships with their organizations (1, also the organization switcher).
The session is read from the cache and the notification badge from the user row: no query.
"""

PAGE_QUERY_BUDGET = {
    # + pending actions: other members?, enrolments (with any open re-check's status), partner ID associated?,
    #   the latest agreement acceptance, the agreement in force, a provider's listing still a draft?
    "dashboard": 9,
    # + selling program, the reseller filter's choices, the capped count, one keyset page (with customer,
    #   profile and reseller joined)
    "customer_list": 7,
    "customer_search": 7,
    "customer_list_by_reseller": 7,
    # + the relationship (with customer, profile, reseller and an EXISTS for active subscriptions),
    #   the agreement acceptances, one page of subscriptions (offer, partner of record, support contact joined)
    "subscription_list": 6,
    # + the capped page of invitations (partner, reseller and customer joined)
    "customer_invitation_list": 4,
    # a reseller's "View customers" of one provider: + the partnership, the capped count, the keyset page
    "provider_customers": 6,
    # a customer's Partner relationships: + partners, subscriptions (offer, partner, partner of record and
    #   support contact joined), the customer agreement acceptances, the agreement in force, and the support
    #   contacts' enrolment email and phone (one query in an elevated block: + 4 statements)
    "partner_relationships": 12,
    # + program check, the partner agreement in force (the resellers' standing is annotated on the page),
    #   count, page, customer counts per reseller (one GROUP BY), enrolment, invitations
    "reseller_list": 10,
    # + enrolment check, count, page
    "provider_list": 5,
    # + count, page with roles, pending invitations
    "member_list": 6,
    # + count, page with actors
    "activity_log": 5,
    # Account settings → API: + count, page (creators joined, each client's last call a subquery)
    "api_client_list": 5,
    # + count, page
    "notification_list": 5,
    # a new organization's dashboard (nothing enrolled yet: the pending actions stop early)
    "dashboard_new_organization": 5,
    # + listings page with country and services, count
    "directory": 5,
    # Legal info while a verification case waits on the partner: enrolments, cases, documents, partner IDs…
    "enrollment_status_action_needed": 11,
    # + partner IDs with their locations, enrolments
    "identifiers": 7,
    # + enrolments, acceptances, versions, the signing form's data
    "agreements": 10,
    # the landing page of a partnership link, signed out: the invitation with its provider (the first view
    #   also records "opened"; later views write nothing)
    #   and the link's capability in the row-level security context (1, before it)
    "partnership_landing": 2,
}
