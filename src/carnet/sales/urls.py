"""Sales pages: documents under ``sales/documents/`` (``documents/`` is the client files'
page), payments under ``payments/``, the settings under ``settings/sales/``."""

from django.urls import path

from . import views

app_name = "sales"
_DOCUMENT = "sales/documents/<int:document_id>"
_PAYMENT = "payments/<int:payment_id>"
urlpatterns = [
    path("sales/documents/", views.document_list, name="document-list"),
    path("sales/documents/new/", views.document_create, name="document-create"),
    path(f"{_DOCUMENT}/", views.document_detail, name="document-detail"),
    path(f"{_DOCUMENT}/edit/", views.document_edit, name="document-edit"),
    path(f"{_DOCUMENT}/delete/", views.document_delete, name="document-delete"),
    path(f"{_DOCUMENT}/issue/", views.document_issue, name="document-issue"),
    path(f"{_DOCUMENT}/quote-status/", views.document_quote_status, name="document-quote-status"),
    path(f"{_DOCUMENT}/convert/", views.document_convert, name="document-convert"),
    path(f"{_DOCUMENT}/credit-note/", views.document_credit_note, name="document-credit-note"),
    path(f"{_DOCUMENT}/allocate/", views.document_allocate, name="document-allocate"),
    path("payments/", views.payment_list, name="payment-list"),
    path("payments/new/", views.payment_create, name="payment-create"),
    path("payments/credit/", views.payment_credit, name="payment-credit"),
    path(f"{_PAYMENT}/", views.payment_detail, name="payment-detail"),
    path(f"{_PAYMENT}/edit/", views.payment_edit, name="payment-edit"),
    path(f"{_PAYMENT}/delete/", views.payment_delete, name="payment-delete"),
    path("settings/sales/", views.sales_settings, name="settings"),
]
