"""The token endpoint: django-oauth-toolkit's, as the platform (its tables are nobody's tenant rows)."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.views import TokenView

from partnerhub.core import rls

_token_view = TokenView.as_view()


@csrf_exempt
@require_POST
def token(request):
    """`POST /api/oauth/token/` with `grant_type=client_credentials` and the client's id and secret (HTTP
    Basic or form fields) → `{"access_token", "expires_in", "token_type": "Bearer", "scope"}`."""
    with rls.elevated("api-token"):
        return _token_view(request)
