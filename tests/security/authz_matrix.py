"""The authorization matrix: every URL pattern of the project × principal × method → the status it answers.

Read a row as: pattern → {method: (anonymous, global_admin, limited, reseller, customer, staff)}.

Principals (tests/security/world.py builds them; all but staff belong to tenant A):
- anonymous: no session.
- global_admin: Global admin of A, an active indirect provider.
- limited: a Helpdesk agent of A (no user management, no selling, no partnership requests).
- reseller: Global admin of A's indirect reseller (in partnership with A).
- customer: Global admin of one of A's customers (a customer organization).
- staff: vendor staff (is_staff, superuser), member of no organization: the admin is its tool.

Patterns with a tenant object in the URL (tests/security/patterns.py OBJECT_PARAMETERS) are requested with
**tenant B's** objects: the row is what A's principals get for B's ids. Conventions, decided here:
- 404 for another tenant's object, the same answer as an id that exists nowhere (pretix).
- 302 to the sign-in page for anonymous; 302 (to the dashboard or "create your company") for a principal
  whose kind of organization the page is not for (a customer on a partner page, staff on the portal).
- 403 where the role check runs before any lookup (a Helpdesk agent on user management): the same answer
  for every id, so it tells nothing about B's objects.
- 405 where the view is POST-only (or GET-only) and Django answers before the lookup; `require_POST` is the
  outer decorator, so anonymous gets 405 too.
- Token links are probed with the SHA-256 B stores, never with B's token: a token is a bearer capability
  (reliability.md §7.4 tests its binding to one email and one use), its hash must be worth nothing.
- Never 200, 204 or 500 for another tenant's object: test_authz_matrix refuses a matrix that says so.
Patterns without a tenant object are requested as is (POST with an empty body): the row is the page's
function-level authorization for each principal.

Third-party mounts are covered by one explicit rule each (THIRD_PARTY_RULES), checked for every pattern under
them.
"""

ROLES = ("anonymous", "global_admin", "limited", "reseller", "customer", "staff")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
NOT_ALLOWED = (405,) * len(ROLES)

Statuses = tuple[int, int, int, int, int, int]


def every(statuses: Statuses) -> dict[str, Statuses]:
    """The same answer whatever the method (a view that treats PUT/PATCH/DELETE like GET)."""
    return dict.fromkeys(METHODS, statuses)


def get_post(get: Statuses, post: Statuses) -> dict[str, Statuses]:
    """GET (and HEAD, PUT, PATCH, DELETE, which the view treats as GET) differs from POST."""
    return {**every(get), "POST": post}


def post_only(post: Statuses) -> dict[str, Statuses]:
    """`require_POST`: 405 for every other method, before authentication or lookup."""
    return {**every(NOT_ALLOWED), "POST": post}


def get_only(get: Statuses) -> dict[str, Statuses]:
    """`require_GET`: 405 for every other method (HEAD included)."""
    return {**every(NOT_ALLOWED), "GET": get}


# fmt: off
AUTHZ_MATRIX: dict[str, dict[str, Statuses]] = {
    "health/": every((200, 200, 200, 200, 200, 200)),
    "healthz/": every((200, 200, 200, 200, 200, 200)),
    # Prometheus metrics: a 404 while METRICS_TOKEN is unset (the suite's default), GET only
    # (tests/core/test_observability.py checks the token).
    "metrics": {**every(NOT_ALLOWED), "GET": (404, 404, 404, 404, 404, 404)},
    "organization/new/": every((302, 302, 302, 302, 302, 200)),
    "organization/switch/": post_only((302, 302, 302, 302, 302, 302)),
    "settings/users/": every((302, 200, 403, 200, 200, 302)),
    "settings/users/<int:pk>/": every((302, 404, 403, 404, 404, 302)),
    "settings/users/<int:pk>/remove/": every((302, 404, 403, 404, 404, 302)),
    "settings/users/invite/": every((302, 200, 403, 200, 200, 302)),
    "settings/users/invitations/<int:pk>/resend/": post_only((302, 404, 403, 404, 404, 302)),
    "settings/users/invitations/<int:pk>/revoke/": post_only((302, 404, 403, 404, 404, 302)),
    "invitations/<str:token>/": every((404, 404, 404, 404, 404, 404)),
    "account/recovery-email/<str:token>/": every((404, 404, 404, 404, 404, 404)),
    "programs/csp/": get_post((302, 200, 200, 200, 302, 302), (302, 200, 403, 200, 302, 302)),
    "programs/csp/enroll/<str:program>/": every((302, 200, 403, 302, 302, 302)),
    "settings/legal/": every((302, 200, 200, 200, 302, 302)),
    "settings/legal/<int:pk>/update/": every((302, 404, 403, 404, 302, 302)),
    "settings/legal/<int:pk>/resend-email/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/legal/<int:pk>/support-plan/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/legal/<int:pk>/transition/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/legal/cases/<int:pk>/fix/": every((302, 404, 403, 404, 302, 302)),
    "settings/legal/documents/<int:pk>/": every((302, 404, 404, 404, 302, 302)),
    "settings/identifiers/": get_post((302, 200, 200, 200, 302, 302), (302, 200, 403, 200, 302, 302)),
    "settings/identifiers/locations/new/": every((302, 200, 403, 200, 302, 302)),
    "verify-contact/<str:token>/": every((404, 404, 404, 404, 404, 404)),
    "settings/agreements/": every((302, 200, 200, 200, 302, 302)),
    "settings/agreements/partner-agreement/": get_post((302, 200, 403, 200, 302, 302), (302, 302, 403, 302, 302, 302)),
    "settings/agreements/request-signature/": post_only((302, 302, 302, 302, 302, 302)),
    "settings/agreements/versions/<int:pk>/document/": every((302, 200, 403, 200, 302, 302)),
    "settings/agreements/acceptances/<int:pk>/": every((302, 404, 404, 404, 302, 302)),
    "programs/csp/agreement-status/": every((302, 200, 200, 403, 302, 302)),
    "directory/": every((302, 200, 200, 200, 302, 302)),
    "directory/<int:pk>/logo/": every((404, 404, 404, 404, 404, 404)),
    "directory/mine/": get_post((302, 200, 200, 404, 302, 302), (302, 200, 403, 404, 302, 302)),
    "partners/resellers/": every((302, 200, 200, 403, 302, 302)),
    "partners/resellers/<int:pk>/remove/": every((302, 404, 404, 404, 302, 302)),
    "partners/resellers/invitations/new/": post_only((302, 302, 403, 302, 302, 302)),
    "partners/resellers/invitations/<int:pk>/draft/": every((302, 404, 403, 404, 302, 302)),
    "partners/resellers/invitations/<int:pk>/resend/": post_only((302, 404, 403, 404, 302, 302)),
    "partners/resellers/invitations/<int:pk>/revoke/": post_only((302, 404, 403, 404, 302, 302)),
    "partners/providers/": every((302, 200, 200, 200, 302, 302)),
    "partners/providers/<int:pk>/remove/": every((302, 404, 404, 404, 302, 302)),
    "partners/providers/<int:pk>/admin-access/": every((302, 404, 404, 404, 302, 302)),
    # the provider's admin access to a reseller's account (issue 18): Global admins and Admin agents only
    "partners/resellers/<int:pk>/account/": every((302, 404, 403, 404, 302, 302)),
    "partners/resellers/<int:pk>/account/users/<int:user_pk>/reset-password/": every((302, 404, 403, 404, 302, 302)),
    "partners/resellers/<int:pk>/account/invitations/<int:invitation_pk>/resend/": post_only(
        (302, 404, 403, 404, 302, 302)
    ),
    "partners/providers/<int:pk>/": every((302, 404, 404, 404, 302, 302)),
    "partnership/<str:token>/": every((404, 404, 404, 404, 404, 404)),
    "customers/": every((302, 200, 200, 200, 302, 302)),
    "customers/export/": every((302, 200, 200, 200, 302, 302)),
    "exports/<uuid:public_id>/": every((302, 404, 404, 404, 302, 302)),
    "exports/<uuid:public_id>/download/": every((302, 404, 404, 404, 302, 302)),
    "customers/new/": every((302, 200, 403, 403, 302, 302)),
    "customers/new/domain/": get_only((302, 200, 403, 403, 302, 302)),
    "customers/new/agreement/": every((302, 302, 403, 403, 302, 302)),
    "customers/new/subscriptions/": every((302, 302, 403, 403, 302, 302)),
    "customers/new/review/": every((302, 302, 403, 403, 302, 302)),
    "customers/new/cancel/": post_only((302, 302, 403, 403, 302, 302)),
    "customers/new/done/": every((302, 410, 403, 403, 302, 302)),
    "customers/invitations/": every((302, 200, 200, 200, 302, 302)),
    "customers/invitations/new/": post_only((302, 302, 403, 302, 302, 302)),
    "customers/invitations/<int:pk>/draft/": every((302, 404, 403, 404, 302, 302)),
    "customers/invitations/<int:pk>/resend/": post_only((302, 404, 403, 404, 302, 302)),
    "customers/invitations/<int:pk>/revoke/": post_only((302, 404, 403, 404, 302, 302)),
    "customers/<uuid:tenant_id>/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/agreement/": every((302, 404, 403, 403, 302, 302)),
    "customers/<uuid:tenant_id>/subscriptions/new/": every((302, 404, 403, 403, 302, 302)),
    "customers/<uuid:tenant_id>/subscriptions/export/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/subscriptions/<uuid:public_id>/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/remove/": every((302, 404, 403, 404, 302, 302)),
    # admin relationships (access/): acting pages look the customer up first (404), then check the admin role
    "customers/<uuid:tenant_id>/users/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/users/<int:pk>/reset-password/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/users/new/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/users/<int:pk>/licences/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/account-subscriptions/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/admin-relationships/": every((302, 404, 404, 404, 302, 302)),
    "customers/<uuid:tenant_id>/admin-relationships/new/": every((302, 404, 403, 404, 302, 302)),
    "customers/<uuid:tenant_id>/admin-relationships/<uuid:public_id>/": every((302, 404, 404, 404, 302, 302)),
    "admin-relationships/": every((302, 200, 200, 200, 302, 302)),
    "customer/admin-relationships/": every((302, 302, 302, 302, 200, 302)),
    "customer/admin-relationships/<uuid:public_id>/": every((302, 302, 302, 302, 404, 302)),
    "admin-relationship-approval/<str:token>/": every((302, 302, 302, 302, 404, 302)),
    "partners/providers/<int:pk>/customers/": every((302, 404, 404, 404, 302, 302)),
    "customer/partners/": every((302, 302, 302, 302, 200, 302)),
    "customer/partners/<int:pk>/remove-roles/": every((302, 302, 302, 302, 404, 302)),
    "customer/agreement/accept/": post_only((302, 302, 302, 302, 302, 302)),
    "customer-invitation/<str:token>/": every((404, 404, 404, 404, 404, 404)),
    "": every((302, 200, 200, 200, 302, 302)),
    "settings/activity/": every((302, 200, 403, 200, 200, 302)),
    "notifications/": every((302, 200, 200, 200, 200, 200)),
    "notifications/<int:pk>/open/": post_only((302, 404, 404, 404, 404, 404)),
    "notifications/read-all/": post_only((302, 302, 302, 302, 302, 302)),
    "language/": post_only((302, 302, 302, 302, 302, 302)),
    "settings/api/": every((302, 200, 403, 200, 302, 302)),
    "settings/api/new/": every((302, 200, 403, 200, 302, 302)),
    "settings/api/<int:pk>/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/<int:pk>/created/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/<int:pk>/revoke/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/": every((302, 200, 403, 200, 302, 302)),
    "settings/api/webhooks/new/": every((302, 200, 403, 200, 302, 302)),
    "settings/api/webhooks/<int:pk>/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/edit/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/delete/": every((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/toggle/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/rotate/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/test/": post_only((302, 404, 403, 404, 302, 302)),
    "settings/api/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/": post_only((302, 404, 403, 404, 302, 302)),
    # transfers
    "transfers/": every((302, 200, 200, 200, 200, 302)),
    "transfers/<uuid:public_id>/": every((302, 404, 404, 404, 404, 302)),
    "transfers/<uuid:public_id>/accept/": post_only((302, 404, 404, 404, 404, 302)),
    "transfers/<uuid:public_id>/decline/": post_only((302, 404, 404, 404, 404, 302)),
    "transfers/<uuid:public_id>/cancel/": post_only((302, 404, 404, 404, 404, 302)),
    "customers/<uuid:tenant_id>/transfer/": every((302, 404, 403, 404, 302, 302)),
    "customer/transfers/new/": every((302, 302, 403, 302, 200, 302)),
    "settings/legal/transition/move/": post_only((302, 302, 403, 302, 302, 302)),
    # billing: price lists, tax rates, customer billing (billing/views/prices.py) and Insights
    "billing/prices/": every((302, 200, 403, 200, 302, 302)),
    "billing/prices/rules/add/": get_post((302, 200, 403, 200, 302, 302), (302, 400, 403, 400, 302, 302)),
    "billing/prices/rules/<int:pk>/delete/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/prices/tiers/": post_only((302, 400, 403, 400, 302, 302)),
    "billing/prices/tax/": get_post((302, 200, 403, 200, 302, 302), (302, 400, 403, 400, 302, 302)),
    "billing/prices/tax/<int:pk>/": every((302, 404, 403, 404, 302, 302)),
    "billing/prices/tax/<int:pk>/delete/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/prices/customers/": post_only((302, 400, 403, 400, 302, 302)),
    "billing/insights/": every((302, 200, 403, 200, 302, 302)),
    "billing/insights/<slug:chart>.csv": every((302, 200, 403, 200, 302, 302)),
    # billing: accounts receivable (the issuer's side) and the recipient's standing
    "billing/accounts/": every((302, 200, 403, 200, 302, 302)),
    "billing/accounts/import/": every((302, 200, 403, 200, 302, 302)),
    "billing/accounts/<int:pk>/": every((302, 404, 403, 404, 302, 302)),
    "billing/accounts/<int:pk>/terms/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/accounts/<int:pk>/payments/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/accounts/<int:pk>/block/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/accounts/<int:pk>/unblock/": post_only((302, 404, 403, 404, 302, 302)),
    "billing/standing/": every((302, 200, 403, 200, 302, 302)),
    # billing: invoices (a customer's Global admin reads the invoices its partner sends it)
    "billing/": every((302, 200, 403, 200, 200, 302)),
    "billing/invoices/<uuid:public_id>/": every((302, 404, 403, 404, 404, 302)),
    "billing/invoices/<uuid:public_id>/pdf/": every((302, 404, 403, 404, 404, 302)),
    "billing/invoices/<uuid:public_id>/reconciliation/": every((302, 404, 403, 404, 404, 302)),
    "billing/invoices/<uuid:public_id>/credit-notes/": post_only((302, 404, 403, 404, 404, 302)),
}
# fmt: on

# Open to anyone by design: their redirects for anonymous go elsewhere than the sign-in page.
PUBLIC = frozenset(
    {
        "health/",
        "healthz/",
        "metrics",
        "language/",
        "invitations/<str:token>/",
        "account/recovery-email/<str:token>/",
        "verify-contact/<str:token>/",
        "partnership/<str:token>/",
        "customer-invitation/<str:token>/",
        "directory/<int:pk>/logo/",
    }
)

# One rule per third-party mount; every resolver pattern under the prefix is checked against it.
THIRD_PARTY_RULES = {
    "admin/": (
        "Django admin: staff only. Every other principal, anonymous included, is redirected (302) to a sign-in "
        "page for GET and POST (admin/logout/ to admin/, which does the same); staff never get a 500."
    ),
    "accounts/": (
        "django-allauth's own pages (sign-in, sign-up, password, email, MFA): open to all by design; for every "
        "principal GET and POST never answer 500 and never show another tenant's data."
    ),
    "api/": (
        "The REST API authenticates API clients by token, never by a browser session: every /api/v1/ resource "
        "answers every principal's session with a 401 problem document, any other path under api/ a 404 problem; "
        "the token endpoint refuses a request without client credentials (400 or 401; 405 for GET); the OpenAPI "
        "document and its pages are public. What tokens may do is answered by the API's own tests over every route "
        "the URL resolver has under it: tests/api/test_openapi.py, test_isolation_sweep.py (every operation x "
        "role x the other tenant's ids) and test_schemathesis.py (no 5xx, every answer as documented)."
    ),
}
