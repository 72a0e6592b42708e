from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("settings/agreements/", views.agreement_list, name="list"),
    path("settings/agreements/partner-agreement/", views.agreement_sign, name="sign"),
    path("settings/agreements/request-signature/", views.request_signature, name="request-signature"),
    path("settings/agreements/versions/<int:pk>/document/", views.agreement_document, name="document"),
    path("settings/agreements/acceptances/<int:pk>/", views.acceptance_record, name="acceptance-record"),
    path("programs/csp/agreement-status/", views.status_lookup, name="status-lookup"),
]
