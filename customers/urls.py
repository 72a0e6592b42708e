from django.urls import path

from .views import customer, exports, invitations, partner, wizard

app_name = "customers"

urlpatterns = [
    path("customers/", partner.customer_list, name="customer-list"),
    path("customers/export/", partner.customer_export, name="customer-export"),
    path("exports/<uuid:public_id>/", exports.export_job, name="export-job"),
    path("exports/<uuid:public_id>/download/", exports.export_job_download, name="export-job-download"),
    path("customers/new/", wizard.account, name="wizard-account"),
    path("customers/new/domain/", wizard.domain_check, name="domain-check"),
    path("customers/new/agreement/", wizard.agreement, name="wizard-agreement"),
    path("customers/new/subscriptions/", wizard.subscriptions, name="wizard-subscriptions"),
    path("customers/new/review/", wizard.review, name="wizard-review"),
    path("customers/new/cancel/", wizard.cancel, name="wizard-cancel"),
    path("customers/new/done/", wizard.done, name="wizard-done"),
    path("customers/invitations/", invitations.invitation_list, name="invitation-list"),
    path("customers/invitations/new/", invitations.invitation_create, name="invitation-create"),
    path("customers/invitations/<int:pk>/draft/", invitations.invitation_draft, name="invitation-draft"),
    path("customers/invitations/<int:pk>/resend/", invitations.invitation_resend, name="invitation-resend"),
    path("customers/invitations/<int:pk>/revoke/", invitations.invitation_revoke, name="invitation-revoke"),
    path("customers/<uuid:tenant_id>/", partner.customer_detail, name="customer-detail"),
    path("customers/<uuid:tenant_id>/agreement/", partner.customer_agreement, name="customer-agreement"),
    path("customers/<uuid:tenant_id>/subscriptions/new/", partner.subscription_add, name="subscription-add"),
    path("customers/<uuid:tenant_id>/subscriptions/export/", partner.subscription_export, name="subscription-export"),
    path(
        "customers/<uuid:tenant_id>/subscriptions/<uuid:public_id>/",
        partner.subscription_detail,
        name="subscription-detail",
    ),
    path("customers/<uuid:tenant_id>/remove/", partner.relationship_remove, name="relationship-remove"),
    path("partners/providers/<int:pk>/customers/", customer.provider_customers, name="provider-customers"),
    path("customer/partners/", customer.partner_relationships, name="partner-relationships"),
    path("customer/agreement/accept/", customer.agreement_accept, name="agreement-accept"),
    path("customer-invitation/<str:token>/", invitations.invitation_accept, name="invitation-accept"),
]
