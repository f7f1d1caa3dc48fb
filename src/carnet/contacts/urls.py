"""Contact pages of a client, under ``clients/<client_id>/contacts/``."""

from django.urls import path

from . import vcard_views, views

app_name = "contacts"
urlpatterns = [
    path("new/", views.contact_create, name="create"),
    path("link/", views.contact_link, name="link"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/link-other/", views.contact_link_other, name="link_other"),
    path("<int:contact_id>/role/<str:role>/", views.contact_set_role, name="set_role"),
    path("<int:contact_id>/favorite/", views.contact_toggle_favorite, name="favorite"),
    path("<int:contact_id>/unlink/", views.contact_unlink, name="unlink"),
    path("vcard/", vcard_views.client_vcard, name="client_vcard"),
    path("<int:contact_id>/vcard/", vcard_views.contact_vcard, name="vcard"),
]
