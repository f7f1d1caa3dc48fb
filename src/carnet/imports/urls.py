"""Import and export pages."""

from django.urls import path, re_path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.import_list, name="list"),
    re_path(r"^imports/template\.(?P<extension>csv|xlsx)$", views.import_template, name="template"),
    path("imports/<int:batch_id>/", views.import_detail, name="detail"),
    path("imports/<int:batch_id>/progress/", views.import_progress, name="progress"),
    path("imports/<int:batch_id>/configure/", views.import_configure, name="configure"),
    path("imports/<int:batch_id>/save-mapping/", views.import_save_mapping, name="save_mapping"),
    path("imports/<int:batch_id>/commit/", views.import_commit, name="commit"),
    path("imports/<int:batch_id>/rollback/", views.import_rollback, name="rollback"),
    path("imports/<int:batch_id>/cancel/", views.import_cancel, name="cancel"),
    re_path(
        r"^imports/(?P<batch_id>[0-9]{1,18})/errors\.(?P<extension>csv|xlsx)$",
        views.import_errors,
        name="errors",
    ),
    path("exports/clients/", views.export_clients, name="export_clients"),
]
