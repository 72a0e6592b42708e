"""A throwaway URL configuration for tests/api/test_schemathesis.py: the project's routes plus two operations that
break their documented contract, to show that the fuzzing run fails on them."""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.views.base import ApiView
from partnerhub.urls import urlpatterns as project_urlpatterns

Count = inline_serializer("ProbeCount", fields={"count": serializers.IntegerField()})


class WrongTypeView(ApiView):
    @extend_schema(operation_id="probe_wrong_type", responses={200: Count})
    def get(self, request):
        return Response({"count": "twelve"})  # the document says an integer


class CrashView(ApiView):
    @extend_schema(operation_id="probe_crash", responses={200: Count})
    def get(self, request, pk):
        return Response({"count": 1 // (pk % 2)})  # an even id: ZeroDivisionError, a 500


urlpatterns = [  # before the project's: its catch-all for unknown /api/ paths would answer them
    path("api/v1/probe-wrong-type", WrongTypeView.as_view()),
    path("api/v1/probe-crash/<int:pk>", CrashView.as_view()),
    *project_urlpatterns,
]
