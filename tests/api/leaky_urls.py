"""A throwaway URL configuration for tests/api/test_isolation_sweep.py: the project's routes plus three that break
tenant isolation as real bugs would, to show that the sweep finds each."""

from uuid import UUID

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.problems import problem
from api.views.base import ApiView
from partnerhub.accounts.models import Organization
from partnerhub.core import rls
from partnerhub.core.notifications import notification_create
from partnerhub.urls import urlpatterns as project_urlpatterns

Name = inline_serializer("ProbeName", fields={"name": serializers.CharField()})
CUSTOMER = OpenApiParameter("customer_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _anyones(customer_id: str) -> Organization | None:
    with rls.elevated("probe"):  # the bug: every tenant's rows
        return Organization.objects.filter(tenant_id=UUID(customer_id)).first()


class LeakView(ApiView):
    @extend_schema(operation_id="probe_leak", parameters=[CUSTOMER], responses={200: Name})
    def get(self, request, customer_id):
        found = _anyones(customer_id)
        if found is None:
            return problem(404, code="not_found", detail="Not found.", request=request)
        return Response({"name": found.legal_name})


class OracleView(ApiView):
    @extend_schema(operation_id="probe_oracle", parameters=[CUSTOMER], responses={204: None})
    def get(self, request, customer_id):
        found = _anyones(customer_id)
        if found is None:
            return problem(404, code="not_found", detail="Not found.", request=request)
        return problem(403, code="forbidden", detail="Not yours.", request=request)  # says it exists


class WriteThenRefuseView(ApiView):
    @extend_schema(operation_id="probe_write", request=Name, responses={201: Name})
    def post(self, request):
        notification_create(user=request.user, title="probe")  # written, and kept: a 400 doesn't roll back
        return problem(400, code="invalid", detail="No.", field="name", request=request)


urlpatterns = [  # before the project's: its catch-all for unknown /api/ paths would answer them
    path("api/v1/probe-leak/<str:customer_id>", LeakView.as_view()),
    path("api/v1/probe-oracle/<str:customer_id>", OracleView.as_view()),
    path("api/v1/probe-write", WriteThenRefuseView.as_view()),
    *project_urlpatterns,
]
