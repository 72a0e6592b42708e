"""What every API view shares: one transaction per call (its row-level security context is set by the
authentication), a request id, the budget headers, and the call log row naming the client."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from rest_framework import generics
from rest_framework.views import APIView

from partnerhub.core.context import client_ip

from ..limits import budget_headers
from ..models import ApiCall


class ApiMixin:
    """Mixed into APIView and DRF's generic views. `permissions` maps a method to the rules permission the
    client's roles must grant (api.auth.HasPermission); a method not named needs only a valid token."""

    permissions: dict[str, str] = {}

    def dispatch(self, request, *args: Any, **kwargs: Any):
        # RequestIdMiddleware's id, so that the logs, the header and the call log agree (a bare view call has none)
        request.request_id = getattr(request, "request_id", None) or uuid.uuid4()
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            if response.status_code >= 500:  # noqa: PLR2004 - keep none of a failed call's writes
                transaction.set_rollback(True)
        return response

    def initialize_request(self, request, *args: Any, **kwargs: Any):
        drf_request = super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]
        # (the schema generator builds mock requests that never went through dispatch)
        drf_request.request_id = getattr(request, "request_id", None) or uuid.uuid4()
        return drf_request

    def finalize_response(self, request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        response["X-Request-Id"] = str(request.request_id)
        budget = getattr(request, "budget", None)
        if budget is not None:
            for name, value in budget_headers(budget).items():
                response[name] = value
        client = getattr(request, "api_client", None)
        if client is not None and response.status_code < 500:  # noqa: PLR2004
            ApiCall.objects.create(
                organization_id=client.organization_id,
                client=client,
                method=request.method,
                path=request.path[:300].replace("\x00", "\ufffd"),  # PostgreSQL text holds no NUL
                status=response.status_code,
                request_id=request.request_id,
                ip_address=client_ip.get(),
            )
        return response


class ApiView(ApiMixin, APIView):
    pass


class ListView(ApiMixin, generics.ListAPIView):
    pass


class RetrieveView(ApiMixin, generics.RetrieveAPIView):
    pass
