"""Settings pages for tags and categories, under ``settings/``."""

from django.urls import path

from . import organizing_views as views

app_name = "organizing"
urlpatterns = [
    path("tags/", views.tag_list, name="tags"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<int:tag_id>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:tag_id>/merge/", views.tag_merge, name="tag_merge"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("categories/", views.category_list, name="categories"),
    path("categories/new/", views.category_create, name="category_create"),
    path("categories/<int:category_id>/edit/", views.category_update, name="category_update"),
    path("categories/<int:category_id>/merge/", views.category_merge, name="category_merge"),
    path("categories/<int:category_id>/delete/", views.category_delete, name="category_delete"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:group_id>/rename/", views.group_rename, name="group_rename"),
    path("groups/<int:group_id>/delete/", views.group_delete, name="group_delete"),
]
