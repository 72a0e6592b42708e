"""A throwaway URL configuration for tests/api/test_openapi.py: the project's routes plus three that the OpenAPI
document can't describe, to show that the undocumented-route check fails on them."""

from django.http import JsonResponse
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from api.views.base import ApiView
from partnerhub.urls import urlpatterns as project_urlpatterns


def plain_django_view(request):  # a function view: drf-spectacular never sees it
    return JsonResponse({})


@extend_schema(exclude=True)
class HiddenView(ApiView):  # an API view left out of the document on purpose
    def get(self, request):
        return Response({})


class HalfDocumentedView(ApiView):  # its DELETE is hidden, its GET documented
    @extend_schema(operation_id="probe_half_retrieve", responses={200: None})
    def get(self, request, pk):
        return Response({})

    @extend_schema(exclude=True)
    def delete(self, request, pk):
        return Response(status=204)


urlpatterns = [  # before the project's: its catch-all for unknown /api/ paths would answer them
    path("api/v1/probe-plain", plain_django_view),
    path("api/v1/probe-hidden", HiddenView.as_view()),
    path("api/v1/probe-half/<int:pk>", HalfDocumentedView.as_view()),
    *project_urlpatterns,
]
