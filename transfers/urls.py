from django.urls import path

from . import views

app_name = "transfers"

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("transfers/<uuid:public_id>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<uuid:public_id>/accept/", views.transfer_accept, name="transfer-accept"),
    path("transfers/<uuid:public_id>/decline/", views.transfer_decline, name="transfer-decline"),
    path("transfers/<uuid:public_id>/cancel/", views.transfer_cancel, name="transfer-cancel"),
    path("customers/<uuid:tenant_id>/transfer/", views.transfer_create, name="transfer-create"),
    path("customer/transfers/new/", views.customer_transfer_create, name="customer-transfer-create"),
    path("settings/legal/transition/move/", views.transition_start, name="transition-start"),
]
