"""Sales reports: the client's account statement and the PDF of a document."""

from django.urls import path, re_path

from . import report_views

app_name = "sales_reports"
urlpatterns = [
    re_path(
        r"^clients/(?P<client_id>[0-9]+)/statement\.(?P<fmt>pdf|csv)$",
        report_views.client_statement,
        name="statement",
    ),
    path(
        "documents/<int:document_id>/pdf",
        report_views.document_pdf_download,
        name="document-pdf",
    ),
]
