"""Address pages, under ``clients/<client_id>/addresses/``."""

from django.urls import path

from . import views

app_name = "addresses"
urlpatterns = [
    path("new/", views.address_create, name="create"),
    path("<int:address_id>/edit/", views.address_edit, name="edit"),
    path("<int:address_id>/billing/", views.address_set_billing, name="set_billing"),
    path("<int:address_id>/delivery/", views.address_set_delivery, name="set_delivery"),
    path("<int:address_id>/delete/", views.address_delete, name="delete"),
]
