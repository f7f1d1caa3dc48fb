"""The payment settings page and its forms."""

from django.urls import path, re_path

from . import views

app_name = "payments"
KINDS = r"(?P<kind>price_category|carrier)"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("defaults/", views.update_defaults, name="defaults"),
    re_path(rf"^{KINDS}/new/$", views.create_item, name="create_item"),
    re_path(
        rf"^{KINDS}/(?P<item_id>[0-9]{{1,18}})/rename/$", views.rename_item, name="rename_item"
    ),
    re_path(
        rf"^{KINDS}/(?P<item_id>[0-9]{{1,18}})/delete/$", views.delete_item, name="delete_item"
    ),
    path("bank-accounts/new/", views.save_account, name="create_account"),
    path("bank-accounts/<int:account_id>/", views.save_account, name="update_account"),
    path("bank-accounts/<int:account_id>/delete/", views.delete_account, name="delete_account"),
]
