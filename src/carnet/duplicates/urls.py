"""Duplicates and merge pages."""

from django.urls import path

from . import views

app_name = "duplicates"
urlpatterns = [
    path("duplicates/", views.review, name="review"),
    path("duplicates/scan/", views.scan, name="scan"),
    path("duplicates/<int:group_id>/dismiss/", views.dismiss, name="dismiss"),
    path("clients/merge/", views.merge, name="merge"),
    path("merges/<int:merge_id>/undo/", views.undo, name="undo"),
]
