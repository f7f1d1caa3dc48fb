"""File pages: uploads under a client, the rest by file id, and the Documents page."""

from django.urls import path

from . import views

app_name = "files"
urlpatterns = [
    path("documents/", views.documents, name="documents"),
    path("documents/<int:file_id>/download/", views.file_download, name="download"),
    path("documents/<int:file_id>/edit/", views.file_edit, name="edit"),
    path("documents/<int:file_id>/delete/", views.file_delete, name="delete"),
    path("clients/<int:client_id>/files/upload/", views.file_upload, name="upload"),
]
