from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("bulk/", views.client_bulk, name="bulk"),
    path("picker/", views.client_picker, name="picker"),
    path("views/", views.save_view, name="save_view"),
    path("views/<int:view_id>/delete/", views.delete_view, name="delete_view"),
    path("<int:client_id>/", views.client_detail, name="detail"),
    path("<int:client_id>/edit/", views.client_edit, name="edit"),
    path("<int:client_id>/rename/", views.client_rename, name="rename"),
    path("<int:client_id>/archive/", views.client_archive, name="archive"),
    path("<int:client_id>/unarchive/", views.client_unarchive, name="unarchive"),
    path("<int:client_id>/delete/", views.client_delete, name="delete"),
    path("<int:client_id>/restore/", views.client_restore, name="restore"),
]
