"""Malformed HTTP (reliability.md §7.2; ASVS 1.2.x, 15.3.7, 16.5.3): oversize and over-numerous input,
broken encodings, duplicated parameters, wrong content types, forged hosts, odd methods and paths.

The Django test client hands the raw WSGI environ to the handler: a percent-escape in a path or query
string arrives as the raw byte, and `data=` bytes are the raw body. None of these may answer 500, and a
rejected request writes nothing.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from customers.models import CustomerRelationship, Subscription
from partnerhub.accounts.models import Role, UserInvitation
from partnerhub.core.models import OutboundEmail
from tests.conftest import PASSWORD

OK_STATUSES = {200, 301, 302, 400, 403, 404, 405, 410, 413, 429}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def admin(seller):
    provider, user, fabrikam, fabrikam_user = seller
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows(table_snapshot):
    """rows() -> the snapshot; assert rows() == before to prove nothing was written."""
    return table_snapshot


def _ok(response) -> None:
    assert response.status_code in OK_STATUSES, response.status_code
    assert response.status_code < 500


# --- size limits ----------------------------------------------------------------------------------------


def test_a_3_mb_form_body_is_refused_with_400(admin, rows):
    before = rows()
    body = b"email=a%40b.example&roles=global_admin&filler=" + b"x" * (3 * 1024 * 1024)

    response = admin.post("/settings/users/invite/", body, content_type=FORM)

    assert response.status_code == 400
    assert rows() == before


def test_a_3_mb_multipart_field_is_refused_with_400(admin, rows):
    before = rows()

    response = admin.post("/settings/users/invite/", {"email": "a@b.example", "filler": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 400
    assert rows() == before


def test_1001_fields_are_refused_with_400(admin, rows):
    before = rows()
    body = "&".join(["email=a%40b.example", "roles=global_admin", *(f"f{n}=1" for n in range(999))])

    response = admin.post("/settings/users/invite/", body, content_type=FORM)

    assert body.count("&") + 1 == 1001
    assert response.status_code == 400
    assert rows() == before


def test_a_thousand_fields_still_work(admin):
    body = "&".join(["email=new.person%40contoso.example", "roles=global_admin", *(f"f{n}=1" for n in range(998))])

    response = admin.post("/settings/users/invite/", body, content_type=FORM)

    assert response.status_code == 302
    assert UserInvitation.objects.filter(email="new.person@contoso.example").exists()


def test_101_uploaded_files_are_refused_with_400(admin, rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = rows()
    files = {f"file{n}": SimpleUploadedFile(f"f{n}.pdf", b"%PDF-1.4") for n in range(101)}

    response = admin.post("/settings/users/invite/", {"email": "a@b.example", **files})

    assert response.status_code == 400
    assert rows() == before


def test_a_very_long_path_is_not_found(admin):
    _ok(admin.get("/settings/users/" + "9" * 5000 + "/"))
    assert admin.get("/invitations/" + "a" * 10_000 + "/").status_code == 404
    assert admin.get("/" + "a/" * 4000).status_code == 404


def test_a_very_long_query_string_is_answered(admin):
    response = admin.get("/customers/", QUERY_STRING="q=" + "x" * 100_000 + "&" + "a=1&" * 500)

    assert response.status_code == 200


def test_overlong_and_garbage_headers_are_answered(admin):
    for header, value in [
        ("HTTP_USER_AGENT", "A" * 100_000),
        ("HTTP_ACCEPT_LANGUAGE", "fr-" + "x" * 10_000),
        ("HTTP_ACCEPT_LANGUAGE", "\x00;q=nan, *;q=-1, en;q=1e400"),
        ("HTTP_REFERER", "http://evil.example/" + "\x00" * 100),
        ("HTTP_X_FORWARDED_FOR", "1.2.3.4, " * 5000),
        ("HTTP_HX_REQUEST", "true\x00"),
        ("HTTP_COOKIE", "csrftoken=" + "x" * 10_000 + "; sessionid=\x00; a=" + "b" * 10_000),
    ]:
        response = admin.get("/customers/", **{header: value})
        _ok(response)


def test_a_huge_integer_in_the_path_is_not_found(admin):
    """The `int` converter takes any digits: a number beyond bigint is a 404, not a database error."""
    for path in ["/settings/users/{}/", "/settings/legal/{}/update/", "/partners/resellers/invitations/{}/draft/",
                 "/settings/agreements/acceptances/{}/", "/customers/invitations/{}/draft/"]:  # fmt: skip
        assert admin.get(path.format(10**30)).status_code == 404, path
        assert admin.get(path.format(2**63)).status_code == 404, path
    assert admin.post(f"/notifications/{10**30}/open/").status_code in {302, 404}  # back to the list


# --- encodings -------------------------------------------------------------------------------------------


def test_invalid_utf8_in_the_query_string_is_answered(admin):
    for query in ["q=%FF%FE%FD", "q=\xff\xfe", "reseller=%C0%AF", "after=%FF", "page=%ED%A0%80", "%FF=%FF"]:
        response = admin.get("/customers/", QUERY_STRING=query)
        assert response.status_code == 200, query


def test_invalid_utf8_in_the_path_is_not_found(admin):
    for path in ["/invitations/%FF%FE/", "/partnership/%C0%AF/", "/customer-invitation/%ED%A0%80/",
                 "/customers/%FF/", "/verify-contact/\xff/"]:  # fmt: skip
        assert admin.get(path).status_code == 404, path


def test_nul_in_path_and_query_is_answered(admin):
    for path in ["/invitations/%00/", "/partnership/abc%00def/", "/customer-invitation/%00/", "/verify-contact/%00/"]:
        assert admin.get(path).status_code == 404, path
    for query in ["q=%00", "after=%00", "before=AAAA%00", "page=%00", "reseller=%00", "q=a%00b"]:
        assert admin.get("/customers/", QUERY_STRING=query).status_code == 200, query
    assert admin.get("/partners/resellers/", QUERY_STRING="q=%00&page=%00").status_code == 200


def test_invalid_utf8_in_the_body_is_a_form_error_and_writes_nothing(admin, rows):
    before = rows()

    response = admin.post("/settings/users/invite/", b"email=%FF%FE%40contoso.example&roles=global_admin",
                          content_type=FORM)  # fmt: skip
    raw = admin.post("/settings/users/invite/", b"email=\xff\xfe@contoso.example&roles=\xc0", content_type=FORM)

    assert response.status_code == 200
    assert raw.status_code == 200
    assert rows() == before


def test_a_body_in_another_charset_is_answered(admin, rows):
    before = rows()
    url = "/settings/users/invite/"

    utf16 = admin.generic(
        "POST", url, "email=é@contoso.example".encode("utf-16"), CONTENT_TYPE=FORM + "; charset=utf-16"
    )
    unknown = admin.generic("POST", url, b"email=a%40b.example", CONTENT_TYPE=FORM + "; charset=no-such-codec")
    latin1 = admin.generic(
        "POST", url, "email=é@contoso.example".encode("latin-1"), CONTENT_TYPE=FORM + "; charset=latin-1"
    )

    for response in (utf16, unknown, latin1):
        _ok(response)
    assert rows() == before


def test_tampered_list_cursors_show_a_page(admin, customer):
    def cursor(values) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    for values in [[1, "x"], ["x", "y"], [1, 2], ["a", 2**70], ["a", -(2**70)], ["\u202e", 1], [[1], {}],
                   ["a", "2"], [None, None], ["a", 1.5], ["a" * 900, 1]]:  # fmt: skip
        for key in ("after", "before"):
            response = admin.get("/customers/", {key: cursor(values)})
            assert response.status_code == 200, (key, values)
    tenant = customer.organization.tenant_id
    assert admin.get(f"/customers/{tenant}/", {"page": "99999999999999999999999"}).status_code == 200
    assert admin.get(f"/customers/{tenant}/", {"page": "-1"}).status_code == 200
    assert admin.get(f"/customers/{tenant}/", {"page": "²"}).status_code == 200
    for path in ["/customers/invitations/", "/settings/users/", "/notifications/", "/settings/activity/",
                 "/partners/resellers/", "/partners/providers/", "/directory/"]:  # fmt: skip
        assert admin.get(path, {"page": str(10**23)}).status_code == 200, path


# --- duplicated parameters, content types ---------------------------------------------------------------


def test_a_duplicated_email_invites_one_address_deterministically(admin):
    body = "email=first%40contoso.example&email=second%40contoso.example&roles=user_management_admin"
    body += "&roles=user_management_admin"

    response = admin.post("/settings/users/invite/", body, content_type=FORM)

    assert response.status_code == 302
    invitation = UserInvitation.objects.get()
    assert invitation.email == "second@contoso.example"  # the last value, as QueryDict.__getitem__ gives
    assert invitation.roles == [Role.USER_MANAGEMENT_ADMIN]


def test_duplicated_single_value_fields_use_the_last_value(admin, customer):
    tenant = customer.organization.tenant_id
    subscription = Subscription.objects.filter(customer=customer.organization).order_by("pk").first()
    url = f"/customers/{tenant}/subscriptions/{subscription.public_id}/"

    response = admin.post(url, "action=quantity&quantity=7&quantity=3", content_type=FORM)

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.quantity == 3


def test_a_duplicated_action_runs_one_action(admin, customer):
    tenant = customer.organization.tenant_id
    subscription = Subscription.objects.filter(customer=customer.organization).order_by("pk").first()
    url = f"/customers/{tenant}/subscriptions/{subscription.public_id}/"

    response = admin.post(url, "action=cancel&action=quantity&quantity=4", content_type=FORM)

    _ok(response)
    subscription.refresh_from_db()
    assert (subscription.quantity, subscription.status) in {(4, "active"), (subscription.quantity, "cancelled")}
    assert not (subscription.quantity == 4 and subscription.status == "cancelled")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"email": "json@contoso.example", "roles": ["global_admin"]}', "application/json"),
        ("email=plain%40contoso.example&roles=global_admin", "text/plain"),
        ("<invite><email>xml@contoso.example</email></invite>", "application/xml"),
        ("email=x%40contoso.example&roles=global_admin", "multipart/form-data"),  # no boundary
        ("--b\r\nContent-Disposition: form-data; name=email\r\n\r\nx@contoso.example\r\n",
         "multipart/form-data; boundary=b"),
        ("email=x%40contoso.example&roles=global_admin", "multipart/form-data; boundary=" + "b" * 1000),
        ("\x00\x01\x02", "application/octet-stream"),
    ],
)  # fmt: skip
def test_a_body_of_another_content_type_is_not_a_submission(admin, rows, body, content_type):
    before = rows()

    response = admin.post("/settings/users/invite/", body, content_type=content_type)

    _ok(response)
    assert response.status_code in {200, 400}
    assert rows() == before


def test_a_lying_content_length_is_answered(admin, rows):
    before = rows()
    # (A non-numeric Content-Length never reaches Django: gunicorn answers it with 400 itself.)
    for length in ["-1", "99999999999999999999", "0", "5"]:
        response = admin.post("/settings/users/invite/", b"email=a%40contoso.example&roles=global_admin",
                              content_type=FORM, CONTENT_LENGTH=length)  # fmt: skip
        _ok(response)
    assert rows() == before


# --- hosts -------------------------------------------------------------------------------------------------


def test_an_unknown_host_is_refused_with_400(admin):
    for host in ["evil.example", "evil.example:80", "testserver@evil.example", "testserver.evil.example", "[::1"]:
        assert admin.get("/", HTTP_HOST=host).status_code == 400, host
        assert Client().get("/accounts/login/", HTTP_HOST=host).status_code == 400, host


def _links_only_to_site_url(settings, since: int) -> None:
    emails = list(OutboundEmail.objects.filter(pk__gt=since))
    assert emails, "the request queued no email: nothing was checked"
    for email in emails:
        text = email.subject + email.body_text + email.body_html
        assert "evil.example" not in text
        assert settings.SITE_URL + "/" in email.body_text


@pytest.mark.parametrize("use_forwarded_host", [False, True])
def test_a_forged_forwarded_host_never_reaches_an_email(admin, client, settings, use_forwarded_host):
    """Invitation, sign-up confirmation and password-reset emails sent during a request whose Host (or
    X-Forwarded-Host, when trusted) is the attacker's still link to SITE_URL."""
    settings.SITE_URL = "https://portal.partnerhub.example"
    settings.USE_X_FORWARDED_HOST = use_forwarded_host
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]  # even a host the app would answer on
    forged = {"HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver"}
    if not use_forwarded_host:
        forged["HTTP_HOST"] = "evil.example"
    since = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    invited = admin.post(
        "/settings/users/invite/", {"email": "new@contoso.example", "roles": "user_management_admin"}, **forged
    )
    signup = client.post(
        "/accounts/signup/",
        {"first_name": "Jane", "last_name": "Doe", "email": "jane@contoso.com", "password1": "Str0ng-passphrase-42",
         "password2": "Str0ng-passphrase-42"},
        **forged,
    )  # fmt: skip
    reset = Client().post("/accounts/password/reset/", {"email": "megan@contoso.example"}, **forged)

    assert (invited.status_code, signup.status_code, reset.status_code) == (302, 302, 302)
    templates = {e.template for e in OutboundEmail.objects.filter(pk__gt=since)}
    assert templates >= {"user_invitation", "email_confirmation_signup", "password_reset_key"}
    _links_only_to_site_url(settings, since)


def test_a_forged_host_never_reaches_a_partnership_invitation(seller, settings):
    provider, user, *_ = seller
    settings.SITE_URL = "https://portal.partnerhub.example"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    client = Client(HTTP_HOST="evil.example")
    client.force_login(user)

    draft = client.post("/partners/resellers/invitations/new/")
    sent = client.post(draft.url, {"email": "alex@fabrikam.example", "message": "Join us"})

    assert sent.status_code == 302
    body = OutboundEmail.objects.get(template="partnership_invitation").body_text
    assert "https://portal.partnerhub.example/partnership/" in body
    assert "evil.example" not in body


# --- methods and paths --------------------------------------------------------------------------------------

FORM_VIEWS = [
    "/organization/new/", "/organization/switch/", "/settings/users/invite/", "/programs/csp/",
    "/programs/csp/enroll/indirect_reseller/", "/settings/identifiers/", "/settings/identifiers/locations/new/",
    "/settings/agreements/partner-agreement/", "/programs/csp/agreement-status/", "/directory/", "/directory/mine/",
    "/partners/resellers/invitations/new/", "/customers/new/", "/customers/new/agreement/",
    "/customers/new/subscriptions/", "/customers/new/review/", "/customers/invitations/new/",
    "/customers/new/domain/", "/language/", "/notifications/read-all/", "/accounts/login/", "/accounts/signup/",
    "/accounts/password/reset/", "/customer/agreement/accept/",
]  # fmt: skip


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "get"])
def test_other_methods_on_form_views_never_fail(admin, rows, method):
    before = rows()
    for path in FORM_VIEWS:
        response = admin.generic(method, path, b"email=a%40contoso.example", content_type=FORM)
        _ok(response)
        response = Client().generic(method, path)
        _ok(response)
    assert rows() == before


def test_a_method_override_header_is_ignored(admin, customer):
    tenant = customer.organization.tenant_id

    response = admin.post(f"/customers/{tenant}/remove/", HTTP_X_HTTP_METHOD_OVERRIDE="DELETE")

    _ok(response)
    assert CustomerRelationship.objects.filter(customer=customer.organization).exists()


def test_dot_segments_and_encoded_slashes_do_not_escape(admin):
    for path in ["/settings/legal/documents/..%2f..%2fetc%2fpasswd/", "/static/..%2f..%2fmanage.py",
                 "/media/../manage.py",
                 "/directory/1/logo/%2e%2e/", "//evil.example/", "/\\evil.example/"]:  # fmt: skip
        response = admin.get(path)
        _ok(response)
        assert response.status_code != 200 or b"DJANGO_SETTINGS_MODULE" not in response.content


def test_a_password_in_the_query_string_is_not_a_login(rows, admin_member):
    """Credentials in a GET (they would land in logs) never sign anyone in."""
    client = Client()

    response = client.get("/accounts/login/", {"login": admin_member.user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
