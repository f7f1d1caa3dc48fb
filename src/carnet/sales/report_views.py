"""Sales reports on the web: the statistics section of the client record page
(``sales/_client_statistics.html``, context from ``statistics_context``), the client's
account statement as PDF or CSV, and the PDF of any document.

The period comes from ``?from=YYYY-MM-DD&to=YYYY-MM-DD``; without it, or when it cannot
be read, it is the fiscal year holding today (the page says why). Downloads are for any
member of the organization; another organization's client or document is a 404.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.dates import MONTHS_AP
from django.utils.formats import date_format, number_format
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from carnet.accounts.access import current_organization, member_required, not_found_as_404
from carnet.accounts.models import Organization
from carnet.clients.models import Client
from carnet.clients.views import client_or_404

from . import services
from .models import Document
from .pdf import DRAFT_MARK, document_pdf
from .statement import build_statement, statement_csv, statement_pdf
from .statistics import ClientStatistics, client_statistics

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates outside these years are refused: they are typing mistakes, and month arithmetic
# near year 9999 would overflow.
FIRST_YEAR = 1900
LAST_YEAR = 2200


# --- The period ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """The period a report covers; ``error`` says, in French, why the dates asked for
    were not used (the fiscal year is used instead)."""

    start: datetime.date
    end: datetime.date
    error: str = ""

    @property
    def query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def _date_param(raw: str) -> datetime.date | None:
    if not _ISO_DATE.match(raw):
        return None
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def parse_period(
    organization: Organization, params: QueryDict, today: datetime.date | None = None
) -> Period:
    """The period of ``?from=&to=``: either bound may be left out (the fiscal year's
    gives it); a date that cannot be read, or a start after the end, gives the fiscal
    year holding today with a message."""
    year_start, year_end = services.fiscal_year(organization, today or services.today())
    raw_from = (params.get("from") or "").strip()
    raw_to = (params.get("to") or "").strip()
    start = _date_param(raw_from) if raw_from else year_start
    end = _date_param(raw_to) if raw_to else year_end
    if start is None or end is None:
        bad = raw_from if start is None else raw_to
        return Period(
            year_start,
            year_end,
            _(
                "La date « %(value)s » n'est pas valide (format attendu : AAAA-MM-JJ) : "
                "l'exercice en cours est affiché."
            )
            % {"value": bad[:40]},
        )
    if start > end:
        return Period(
            year_start,
            year_end,
            _("La date de début est après la date de fin : l'exercice en cours est affiché."),
        )
    return Period(start, end)


# --- The record page's section ---------------------------------------------------------------
CHART_WIDTH = 600
CHART_HEIGHT = 220
CHART_TOP = 12.0
CHART_BOTTOM = 190.0
SLOT = CHART_WIDTH / 12
BAR_WIDTH = 32.0


@dataclass(frozen=True)
class ChartBar:
    """One month's bar; coordinates are preformatted text (the page's locale must not
    put decimal commas into SVG)."""

    x: str
    y: str
    width: str
    height: str
    label_x: str
    label: str
    month: str
    amount: str
    title: str
    negative: bool


@dataclass
class RevenueChart:
    width: int
    height: int
    axis_y: str
    label_y: str
    aria_label: str
    bars: list[ChartBar] = field(default_factory=list)


@dataclass
class StatisticsSection:
    """What ``sales/_client_statistics.html`` shows (context key ``sales_statistics``)."""

    stats: ClientStatistics
    period: Period
    chart: RevenueChart
    average_delay: str
    on_time: str
    conversion: str
    margin_rate: str
    ageing_total: Decimal
    statement_pdf_url: str
    statement_csv_url: str
    period_url: str


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def _amount(value: Decimal) -> str:
    return number_format(value, 2, use_l10n=True, force_grouping=True)


def _month(day: datetime.date) -> str:
    """ "janvier 2026" (the active language's year-month format)."""
    return date_format(day, "YEAR_MONTH_FORMAT")


def _percent(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    # Rounded first: floatformat(50.96, -1) would print "51,0".
    percent = (rate * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return _("%(value)s %%") % {"value": floatformat(percent, -1)}


def revenue_chart(monthly: list[tuple[datetime.date, Decimal]]) -> RevenueChart:
    """A bar per month, scaled so that the largest amount fills the height; months
    with negative revenue (more credit notes than invoices) go below the axis."""
    amounts = [amount for _month, amount in monthly]
    high = max([*amounts, Decimal(0)])
    low = min([*amounts, Decimal(0)])
    span = float(high - low) or 1.0
    plot = CHART_BOTTOM - CHART_TOP
    axis = CHART_TOP + plot * float(high) / span
    first, last = monthly[0][0], monthly[-1][0]
    chart = RevenueChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        axis_y=_coordinate(axis),
        label_y=_coordinate(CHART_HEIGHT - 8),
        aria_label=_("Chiffre d'affaires HT par mois, de %(first)s à %(last)s")
        % {"first": _month(first), "last": _month(last)},
    )
    for index, (month, amount) in enumerate(monthly):
        height = plot * abs(float(amount)) / span
        if amount and height < 1:
            height = 1.0
        top = axis - height if amount >= 0 else axis
        x = index * SLOT + (SLOT - BAR_WIDTH) / 2
        chart.bars.append(
            ChartBar(
                x=_coordinate(x),
                y=_coordinate(top),
                width=_coordinate(BAR_WIDTH),
                height=_coordinate(height),
                label_x=_coordinate(index * SLOT + SLOT / 2),
                label=str(MONTHS_AP[month.month]),
                month=_month(month),
                amount=_("%(amount)s €") % {"amount": _amount(amount)},
                title=_("%(month)s : %(amount)s €")
                % {"month": _month(month), "amount": _amount(amount)},
                negative=amount < 0,
            )
        )
    return chart


def statistics_context(
    organization: Organization, client: Client, params: QueryDict
) -> dict[str, Any]:
    """The record page's context for the sales figures, under ``sales_statistics``: the
    period of ``?from=&to=`` (the fiscal year by default or when they are wrong), the
    figures, the chart and the statement's download links."""
    today = services.today()
    period = parse_period(organization, params, today)
    stats = client_statistics(organization, client, period.start, period.end, today=today)
    delay = stats.average_payment_delay_days
    section = StatisticsSection(
        stats=stats,
        period=period,
        chart=revenue_chart(stats.monthly_revenue),
        average_delay=(
            ngettext("%(days)s jour", "%(days)s jours", int(delay))
            % {"days": floatformat(delay, -1)}
            if delay is not None
            else ""
        ),
        on_time=_percent(stats.on_time_rate),
        conversion=_percent(stats.quote_conversion_rate),
        margin_rate=_percent(stats.margin_rate),
        ageing_total=sum((bucket.amount for bucket in stats.ageing), Decimal("0.00")),
        statement_pdf_url=reverse("sales_reports:statement", args=[client.pk, "pdf"]),
        statement_csv_url=reverse("sales_reports:statement", args=[client.pk, "csv"]),
        period_url=reverse("clients:detail", args=[client.pk]),
    )
    return {"sales_statistics": section}


# --- Downloads -------------------------------------------------------------------------------
def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def statement_filename(client: Client, period: Period, extension: str) -> str:
    """``releve-<reference>-<from>-<to>.<extension>``."""
    name = slugify(client.reference) or str(client.pk)
    return (
        "-".join((slugify(_("Relevé")), name, period.start.isoformat(), period.end.isoformat()))
        + f".{extension}"
    )


@require_GET
@member_required
def client_statement(request: HttpRequest, client_id: str, fmt: str) -> HttpResponse:
    """The client's account statement for ``?from=&to=``, as PDF or CSV."""
    organization = current_organization(request)
    client = client_or_404(request, int(client_id))
    period = parse_period(organization, request.GET)
    statement = build_statement(organization, client, period.start, period.end)
    filename = statement_filename(client, period, fmt)
    if fmt == "csv":
        return _attachment(statement_csv(statement), "text/csv; charset=utf-8", filename)
    return _attachment(statement_pdf(statement, organization), "application/pdf", filename)


def document_filename(document: Document) -> str:
    """``FA-000001.pdf``; a draft, without a number, ``facture-brouillon-12.pdf``."""
    if document.number:
        return f"{slugify(document.number).upper() or document.pk}.pdf"
    return (
        "-".join((slugify(document.get_type_display()), slugify(DRAFT_MARK), str(document.pk)))
        + ".pdf"
    )


@require_GET
@member_required
def document_pdf_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """The printable PDF of one of the organization's documents."""
    with not_found_as_404():
        document = services.get_document(current_organization(request), document_id)
    return _attachment(document_pdf(document), "application/pdf", document_filename(document))
