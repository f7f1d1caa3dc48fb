"""Custom field settings pages, under ``settings/custom-fields/``."""

from django.urls import path

from . import views

app_name = "customfields"
urlpatterns = [
    path("", views.custom_field_list, name="list"),
    path("new/", views.custom_field_create, name="create"),
    path("<int:field_id>/edit/", views.custom_field_edit, name="edit"),
    path("<int:field_id>/delete/", views.custom_field_delete, name="delete"),
]
