"""Who is in the demo world: its sign-ins, its organizations and the states its extra partners are parked in.

Shared by the `seed_demo` command and the seed's modules (demo/enrollments.py, the benchmark seed), which import
it from here, never from the command.
"""

from __future__ import annotations

import os

DEMO_PASSWORD_ENV = "DEMO_PASSWORD"  # noqa: S105 - the name of a variable
DEFAULT_DEMO_PASSWORD = "partnerhub-demo"  # noqa: S105 - demo data only; set DEMO_PASSWORD to change it
# Global admins and staff sign in with two-step verification (MFA_REQUIRED_FOR_ADMINS): every seeded user
# gets this authenticator-app secret. Demo data only; `manage.py demo_totp` prints the current code.
DEMO_TOTP_SECRET_ENV = "DEMO_TOTP_SECRET"  # noqa: S105 - the name of a variable
DEFAULT_DEMO_TOTP_SECRET = "PARTNERHUBDEMOTOTPSECRET234567AB"  # noqa: S105 - demo data only (base32)

OPERATOR_EMAIL = "operator@partnerhub.example"
OPERATOR = (OPERATOR_EMAIL, "Olivia", "Operator")

# More partners, each with an enrolment parked in one state of the workflow (not printed).
QUEUE_ORGANIZATIONS = [
    ("email_pending", "Adatum Consulting Ltd", "GB", "London", "EC1A 1BB", "adatum.example", "Rob", "Young"),
    ("in_review", "Litware SAS", "FR", "Lyon", "69002", "litware.example", "Lina", "Ferrand"),
    ("overdue", "Tailspin Partners GmbH", "DE", "Berlin", "10115", "tailspin.example", "Jonas", "Weber"),
]
ORGANIZATIONS = [
    {
        "label": "Indirect provider",
        "user": ("megan.bowen@contoso-distribution.example", "Megan", "Bowen"),
        "organization": {
            "legal_name": "Contoso Distribution Inc.",
            "country": "US",
            "address_line1": "1 Microsoft Way",
            "city": "Redmond",
            "state": "WA",
            "postal_code": "98052",
            "primary_domain": "contoso-distribution.example",
        },
    },
    {
        "label": "Indirect reseller",
        "user": ("alex.wilber@fabrikam-solutions.example", "Alex", "Wilber"),
        "organization": {
            "legal_name": "Fabrikam Solutions LLC",
            "country": "US",
            "address_line1": "500 Pine Street",
            "city": "Seattle",
            "state": "WA",
            "postal_code": "98101",
            "primary_domain": "fabrikam-solutions.example",
        },
    },
    {
        "label": "Indirect reseller (action needed)",
        "user": ("lee.gu@northwind-it.example", "Lee", "Gu"),
        "organization": {
            "legal_name": "Northwind IT Services Inc.",
            "country": "US",
            "address_line1": "200 Congress Avenue",
            "city": "Austin",
            "state": "TX",
            "postal_code": "78701",
            "primary_domain": "northwind-it.example",
        },
    },
]

# The demo provider's API client, for the README's curl session. Its secret is shown once, so every seed
# revokes the previous one and creates it again, and prints its client ID and new secret (demo/api_clients.py).
DEMO_API_CLIENT_NAME = "Contoso ERP (demo)"
DEMO_API_CLIENT_OWNER = "megan.bowen@contoso-distribution.example"  # its creator: the provider's Global admin


def demo_totp_secret() -> str:
    return os.environ.get(DEMO_TOTP_SECRET_ENV, DEFAULT_DEMO_TOTP_SECRET)


# The demo provider's webhook endpoint: `make run`'s receiver (demo/receiver.py), on loopback over plain http,
# which only settings allowing private addresses accept (dev's default); its secret goes to this file.
DEMO_WEBHOOK_URL = "http://127.0.0.1:8001/"
DEMO_WEBHOOK_SECRET_FILE = "demo-webhook-secret"  # noqa: S105 - a file name
