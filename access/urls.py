from django.urls import path

from .views import acting, customer, partner

app_name = "access"

urlpatterns = [
    # the partner's side
    path("admin-relationships/", partner.partner_list, name="partner-relationships"),
    path(
        "customers/<uuid:tenant_id>/admin-relationships/", partner.customer_list, name="partner-customer-relationships"
    ),
    path("customers/<uuid:tenant_id>/admin-relationships/new/", partner.request_new, name="partner-relationship-new"),
    path(
        "customers/<uuid:tenant_id>/admin-relationships/<uuid:public_id>/",
        partner.detail,
        name="partner-relationship-detail",
    ),
    # acting in the customer's account through an admin relationship
    path("customers/<uuid:tenant_id>/users/", acting.customer_users, name="customer-users"),
    path("customers/<uuid:tenant_id>/users/new/", acting.customer_user_create, name="customer-user-create"),
    path(
        "customers/<uuid:tenant_id>/users/<int:pk>/reset-password/",
        acting.customer_user_password_reset,
        name="customer-user-password-reset",
    ),
    path(
        "customers/<uuid:tenant_id>/users/<int:pk>/licences/",
        acting.customer_user_licences,
        name="customer-user-licences",
    ),
    path(
        "customers/<uuid:tenant_id>/account-subscriptions/",
        acting.customer_subscriptions,
        name="customer-subscriptions",
    ),
    # the customer's side
    path("customer/admin-relationships/", customer.relationship_list, name="customer-relationships"),
    path(
        "customer/admin-relationships/<uuid:public_id>/",
        customer.relationship_detail,
        name="customer-relationship-detail",
    ),
    path("customer/partners/<int:pk>/remove-roles/", customer.admin_roles_remove, name="admin-roles-remove"),
    path("admin-relationship-approval/<str:token>/", customer.approval_link, name="approval-link"),
]
