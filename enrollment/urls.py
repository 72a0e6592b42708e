from django.urls import path

from . import views

app_name = "enrollment"

urlpatterns = [
    path("programs/csp/", views.welcome, name="welcome"),
    path("programs/csp/enroll/<str:program>/", views.enroll, name="enroll"),
    path("settings/legal/", views.legal_info, name="legal-info"),
    path("settings/legal/<int:pk>/update/", views.legal_details_update, name="legal-details-update"),
    path("settings/legal/<int:pk>/resend-email/", views.contact_resend, name="contact-resend"),
    path("settings/legal/<int:pk>/support-plan/", views.support_plan_purchase, name="support-plan"),
    path("settings/legal/<int:pk>/transition/", views.transition_request, name="transition-request"),
    path("settings/legal/cases/<int:pk>/fix/", views.case_fix, name="case-fix"),
    path("settings/legal/documents/<int:pk>/", views.document_download, name="document-download"),
    path("settings/identifiers/", views.identifiers, name="identifiers"),
    path("settings/identifiers/locations/new/", views.location_add, name="location-add"),
    path("verify-contact/<str:token>/", views.contact_verify, name="contact-verify"),
]
