"""Pages of a client's means of payment (under ``clients/<client_id>/payment/``) and the
SEPA creditor identifier's settings page (``settings/creditor/``)."""

from django.urls import path

from . import views

app_name = "banking"
_CLIENT = "clients/<int:client_id>/payment"
urlpatterns = [
    path(f"{_CLIENT}/bank-accounts/new/", views.bank_account_create, name="bank_account_create"),
    path(
        f"{_CLIENT}/bank-accounts/<int:account_id>/edit/",
        views.bank_account_edit,
        name="bank_account_edit",
    ),
    path(
        f"{_CLIENT}/bank-accounts/<int:account_id>/primary/",
        views.bank_account_set_primary,
        name="bank_account_set_primary",
    ),
    path(
        f"{_CLIENT}/bank-accounts/<int:account_id>/delete/",
        views.bank_account_delete,
        name="bank_account_delete",
    ),
    path(f"{_CLIENT}/mandates/new/", views.mandate_create, name="mandate_create"),
    path(f"{_CLIENT}/mandates/<int:mandate_id>/edit/", views.mandate_edit, name="mandate_edit"),
    path(
        f"{_CLIENT}/mandates/<int:mandate_id>/revoke/", views.mandate_revoke, name="mandate_revoke"
    ),
    path(f"{_CLIENT}/cards/new/", views.card_create, name="card_create"),
    path(f"{_CLIENT}/cards/<int:card_id>/edit/", views.card_edit, name="card_edit"),
    path(
        f"{_CLIENT}/cards/<int:card_id>/primary/", views.card_set_primary, name="card_set_primary"
    ),
    path(f"{_CLIENT}/cards/<int:card_id>/delete/", views.card_delete, name="card_delete"),
    path("settings/creditor/", views.creditor_settings, name="creditor_settings"),
]
