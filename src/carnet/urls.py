from django.urls import include, path
from django.views.generic import RedirectView

from carnet.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:list", permanent=False)),
    path("", include("carnet.accounts.urls")),
    path("clients/", include("carnet.clients.urls")),
    path("clients/<int:client_id>/addresses/", include("carnet.addresses.urls")),
    path("clients/<int:client_id>/contacts/", include("carnet.contacts.urls")),
    path("", include("carnet.files.urls")),
    path("", include("carnet.imports.urls")),
    path("", include("carnet.duplicates.urls")),
    path("", include("carnet.banking.urls")),
    path("", include("carnet.sales.report_urls")),
    path("", include("carnet.sales.urls")),
    path("settings/", RedirectView.as_view(pattern_name="organizing:tags", permanent=False)),
    path("settings/", include("carnet.clients.organizing_urls")),
    path("settings/custom-fields/", include("carnet.customfields.urls")),
    path("settings/payments/", include("carnet.payments.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
