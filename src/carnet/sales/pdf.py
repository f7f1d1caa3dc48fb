"""Printable A4 PDFs of sales documents, with the mentions French law requires, and the
small drawing helpers the account statement (``statement.py``) shares.

Built with ReportLab: platypus for a document (a few pages whose lines wrap), the bare
canvas for long statements. The fonts are the PDF standard Helvetica in WinAnsi
(Windows-1252) encoding, which holds French accents, "€", "’", "œ" and the guillemets;
``pdf_text`` brings any other character to the nearest one it holds so that nothing
prints as a black box.

Mentions (Code général des impôts, article 242 nonies A of its annex II, and Code de
commerce, L. 441-9, L. 441-10 and D. 441-5): the seller's identity (legal name and form,
share capital, address, SIRET, RCS, VAT number), the number and dates, the client's
identity and VAT number, every line, VAT per rate, the totals, the payment terms, the
late-payment penalty rate, the 40 € fixed recovery indemnity, the absence of discount for
early payment, and why no VAT is charged (reverse charge, export).
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from carnet.accounts.models import Organization
from carnet.clients.forms import country_name
from carnet.core.errors import ValidationFailed
from carnet.core.identifiers import EU_MEMBER_STATES, format_iban
from carnet.payments import services as payment_services
from carnet.payments.models import OrganizationBankAccount

from . import services
from .models import Document, DocumentLine, DocumentType, VatRegime

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
# The platypus frame's width inside its 6-point padding.
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN - 12
GREY = colors.HexColor("#5f6b7a")
LIGHT = colors.HexColor("#e9ecf0")
NBSP = "\u00a0"
# Spaces WinAnsi lacks, and the letters NFKD does not take apart.
_REPLACEMENTS = str.maketrans(
    {
        "\u202f": NBSP,
        "\u2009": " ",
        "\u2007": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2212": "-",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "ı": "i",
        "Ħ": "H",
        "ħ": "h",
    }
)


# --- Text -----------------------------------------------------------------------------------
def pdf_text(value: Any) -> str:
    """``value`` as text Helvetica in WinAnsi prints: other characters become their
    unaccented letter ("ş" → "s"), or "?" when they have none."""
    text = "" if value is None else str(value)
    try:
        text.encode("cp1252")
        return text
    except UnicodeEncodeError:
        pass
    text = text.translate(_REPLACEMENTS)
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        try:
            base.encode("cp1252")
            out.append(base or "?")
        except UnicodeEncodeError:
            out.append("?")
    return "".join(out)


def amount_text(value: Decimal | None, places: int = 2) -> str:
    """``Decimal("1234.5")`` → "1 234,50" (a no-break space between thousands)."""
    if value is None:
        return ""
    text = f"{value:,.{places}f}"
    return text.replace(",", NBSP).replace(".", ",")


def money_text(value: Decimal | None, currency: str = "EUR") -> str:
    """An amount with its currency: "1 234,50 €", "80,00 CHF"."""
    if value is None:
        return ""
    symbol = "€" if currency == "EUR" else currency
    return f"{amount_text(value)}{NBSP}{symbol}"


def number_text(value: Decimal | None, min_places: int = 0) -> str:
    """A quantity or price with the decimals it needs, at least ``min_places``:
    3.000 → "3", 1.500 → "1,5", 4.2000 → "4,20" with ``min_places=2``."""
    if value is None:
        return ""
    normalized = value.normalize()
    places = max(-normalized.as_tuple().exponent, min_places, 0)  # type: ignore[operator]
    return amount_text(value, int(places))


def percent_text(value: Decimal | None) -> str:
    """20.00 → "20 %", 5.50 → "5,5 %"."""
    if value is None:
        return ""
    return f"{number_text(value)}{NBSP}%"


def date_text(value: datetime.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""


def terms_text(days: int, end_of_month: bool) -> str:
    """Payment terms as an invoice prints them."""
    if days == 0 and not end_of_month:
        return _("paiement à réception")
    if end_of_month:
        return ngettext("%(days)d jour fin de mois", "%(days)d jours fin de mois", days) % {
            "days": days
        }
    return ngettext("%(days)d jour", "%(days)d jours", days) % {"days": days}


# --- The seller ------------------------------------------------------------------------------
@dataclass
class Seller:
    """The organization as its documents print it."""

    name: str
    lines: list[str] = field(default_factory=list)
    legal: list[str] = field(default_factory=list)
    late_penalty_rate: Decimal = Decimal("10")


def seller_of(organization: Organization) -> Seller:
    """The organization's legal identity from its sales settings (its name when they
    are blank)."""
    settings = services.sales_settings_for(organization)
    seller = Seller(
        name=settings.legal_name or organization.name,
        late_penalty_rate=settings.late_penalty_rate,
    )
    form = settings.legal_form
    if form and settings.share_capital is not None:
        form = _("%(form)s au capital de %(capital)s") % {
            "form": form,
            "capital": money_text(settings.share_capital),
        }
    elif settings.share_capital is not None:
        form = _("Capital de %(capital)s") % {"capital": money_text(settings.share_capital)}
    if form:
        seller.lines.append(form)
        seller.legal.append(form)
    seller.lines.extend(line.strip() for line in settings.address.splitlines() if line.strip())
    if settings.siret:
        text = _("SIRET : %(siret)s") % {"siret": settings.siret}
        seller.lines.append(text)
        seller.legal.append(text)
    if settings.rcs:
        text = _("RCS %(rcs)s") % {"rcs": settings.rcs}
        seller.lines.append(text)
        seller.legal.append(text)
    if settings.vat_number:
        text = _("N° TVA intracommunautaire : %(number)s") % {"number": settings.vat_number}
        seller.lines.append(text)
        seller.legal.append(text)
    return seller


def identity_lines(identity: dict[str, Any], *, with_name: bool = True) -> list[str]:
    """A client's identity (``services.client_identity`` or a document's snapshot) as
    the lines of an address block."""
    lines = [str(identity.get("name") or "")] if with_name else []
    if identity.get("legal_form"):
        lines.append(str(identity["legal_form"]))
    address = identity.get("address") or {}
    for key in ("line1", "line2", "line3"):
        if address.get(key):
            lines.append(str(address[key]))
    city = " ".join(part for part in (address.get("postcode"), address.get("city")) if part)
    if city:
        lines.append(city)
    country = address.get("country") or identity.get("country") or "FR"
    if country != "FR":
        lines.append(country_name(country))
    if identity.get("siret"):
        lines.append(_("SIRET : %(siret)s") % {"siret": identity["siret"]})
    elif identity.get("siren"):
        lines.append(_("SIREN : %(siren)s") % {"siren": identity["siren"]})
    if identity.get("vat_number"):
        lines.append(_("N° TVA : %(number)s") % {"number": identity["vat_number"]})
    return lines


# --- A document ------------------------------------------------------------------------------
TITLES = {
    DocumentType.QUOTE: lambda: _("Devis"),
    DocumentType.INVOICE: lambda: _("Facture"),
    DocumentType.CREDIT_NOTE: lambda: _("Avoir"),
    DocumentType.ORDER: lambda: _("Bon de commande"),
    DocumentType.DELIVERY_NOTE: lambda: _("Bon de livraison"),
    DocumentType.PROFORMA: lambda: _("Facture pro forma"),
}
DRAFT_MARK = "BROUILLON"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=GREY),
        "seller": ParagraphStyle("seller", parent=base, fontName=BOLD, fontSize=12, leading=15),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=16, leading=20, alignment=TA_RIGHT
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "heading": ParagraphStyle("heading", parent=base, fontName=BOLD, spaceBefore=6),
        "mention": ParagraphStyle("mention", parent=base, fontSize=8, leading=10),
    }


def _para(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(pdf_text(text)).replace("\n", "<br/>"), style)


def _lines_para(lines: list[str], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(pdf_text(line)) for line in lines), style)


def vat_mentions(document: Document, identity: dict[str, Any]) -> list[str]:
    """Why a document charges no VAT."""
    if document.vat_regime == VatRegime.REVERSE_CHARGE:
        country = (identity.get("address") or {}).get("country") or identity.get("country")
        if country and country != "FR" and country in EU_MEMBER_STATES:
            reason = _("TVA due par le preneur, article 196 de la directive 2006/112/CE")
        else:
            reason = _("TVA due par le preneur, article 283-2 du CGI")
        return [_("Autoliquidation"), reason]
    if document.vat_regime == VatRegime.EXPORT:
        return [_("Exonération de TVA, article 262 I du CGI")]
    return []


def invoice_mentions(seller: Seller) -> list[str]:
    """What every invoice between businesses states on late payment (Code de commerce,
    L. 441-10 and D. 441-5)."""
    return [
        _(
            "Pénalités de retard : %(rate)s par an, exigibles dès le lendemain de "
            "l'échéance (article L. 441-10 du Code de commerce)."
        )
        % {"rate": percent_text(seller.late_penalty_rate)},
        _(
            "Indemnité forfaitaire pour frais de recouvrement : 40 € "
            "(articles L. 441-10 et D. 441-5 du Code de commerce)."
        ),
        _("Pas d'escompte pour paiement anticipé."),
    ]


def bank_account_of(document: Document) -> OrganizationBankAccount | None:
    """The organization's account the client pays into: the client's own choice, else
    the organization's default account."""
    organization = document.organization
    try:
        account = payment_services.bank_account_for_client(
            organization, document.client.pays_into_id
        )
    except ValidationFailed:  # no longer one of the organization's: use the default
        account = None
    if account is None:
        account = OrganizationBankAccount.objects.filter(
            organization=organization, is_default=True
        ).first()
    return account


def _header_table(
    document: Document, seller: Seller, identity: dict[str, Any], styles: dict[str, Any]
) -> Table:
    title = TITLES[DocumentType(document.type)]()
    draft = document.sequence_number is None
    right: list[Any] = [_para(title, styles["title"])]
    facts: list[str] = []
    if draft:
        facts.append(DRAFT_MARK)
    else:
        facts.append(_("N° %(number)s") % {"number": document.number})
    facts.append(_("Date : %(date)s") % {"date": date_text(document.date)})
    if document.type in services.DUE_TYPES and document.due_date is not None:
        facts.append(_("Échéance : %(date)s") % {"date": date_text(document.due_date)})
    if document.type == DocumentType.QUOTE and document.valid_until is not None:
        facts.append(_("Valable jusqu'au %(date)s") % {"date": date_text(document.valid_until)})
    if document.related_id is not None and document.related is not None:
        related = document.related
        if document.type == DocumentType.CREDIT_NOTE and related.number:
            facts.append(_("Avoir sur la facture %(number)s") % {"number": related.number})
        elif related.number:
            facts.append(_("Réf. : %(number)s") % {"number": related.number})
    if identity.get("reference"):
        facts.append(_("Réf. client : %(reference)s") % {"reference": identity["reference"]})
    right.append(_lines_para(facts, styles["right"]))
    left = [_para(seller.name, styles["seller"]), _lines_para(seller.lines, styles["base"])]
    table = Table([[left, right]], colWidths=[95 * mm, None])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return table


def _client_table(identity: dict[str, Any], styles: dict[str, Any]) -> Table:
    lines = identity_lines(identity)
    block = [
        _para(_("Client"), styles["small"]),
        _para(lines[0], styles["heading"]),
        _lines_para(lines[1:], styles["base"]),
    ]
    table = Table([["", block]], colWidths=[95 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (1, 0), (1, 0), 0.5, GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("TOPPADDING", (1, 0), (1, 0), 4),
                ("BOTTOMPADDING", (1, 0), (1, 0), 6),
            ]
        )
    )
    return table


def _lines_table(lines: list[DocumentLine], styles: dict[str, Any]) -> Table:
    header = [
        _("Description"),
        _("Réf."),
        _("Qté"),
        _("P.U. HT"),
        _("Remise"),
        _("TVA"),
        _("Total HT"),
    ]
    rows: list[list[Any]] = [[pdf_text(text) for text in header]]
    for line in lines:
        rows.append(
            [
                _para(line.description, styles["cell"]),
                _para(line.reference, styles["cell"]),
                pdf_text(number_text(line.quantity)),
                pdf_text(number_text(line.unit_price, 2)),
                pdf_text(percent_text(line.discount_percent) if line.discount_percent else ""),
                pdf_text(percent_text(line.vat_rate)),
                pdf_text(amount_text(line.total_excl_vat)),
            ]
        )
    widths = [None, 22 * mm, 15 * mm, 22 * mm, 15 * mm, 14 * mm, 24 * mm]
    fixed = sum(w for w in widths if w is not None)
    widths[0] = FRAME_WIDTH - fixed
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
                ("FONT", (0, 1), (-1, -1), FONT, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, LIGHT),
            ]
        )
    )
    return table


def _totals_table(document: Document, lines: list[DocumentLine]) -> Table:
    currency = document.currency
    rows: list[list[str]] = []
    subtotal = sum((line.total_excl_vat for line in lines), Decimal("0"))
    if subtotal != document.total_excl_vat:
        rows.append([_("Sous-total HT"), money_text(subtotal, currency)])
        rows.append([_("Remise"), money_text(document.total_excl_vat - subtotal, currency)])
    rows.append([_("Total HT"), money_text(document.total_excl_vat, currency)])
    for entry in document.vat_breakdown:
        rate = Decimal(entry["rate"])
        rows.append(
            [
                _("TVA %(rate)s sur %(base)s")
                % {
                    "rate": percent_text(rate),
                    "base": money_text(Decimal(entry["base"]), currency),
                },
                money_text(Decimal(entry["vat"]), currency),
            ]
        )
    rows.append([_("Total TVA"), money_text(document.total_vat, currency)])
    rows.append([_("Total TTC"), money_text(document.total_incl_vat, currency)])
    strong = [len(rows) - 1]
    if document.type == DocumentType.INVOICE and document.sequence_number is not None:
        settled = document.amount_paid + document.amount_credited
        if settled:
            rows.append([_("Déjà réglé"), money_text(-settled, currency)])
            rows.append([_("Reste à payer"), money_text(document.balance, currency)])
            strong.append(len(rows) - 1)
    cells = [[pdf_text(label), pdf_text(value)] for label, value in rows]
    table = Table(cells, colWidths=[60 * mm, 30 * mm], hAlign="RIGHT")
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEABOVE", (0, 0), (-1, 0), 0.5, GREY),
    ]
    for index in strong:
        style.append(("FONT", (0, index), (-1, index), BOLD, 10))
        style.append(("LINEABOVE", (0, index), (-1, index), 0.5, GREY))
    table.setStyle(TableStyle(style))
    return table


def footer_lines(seller: Seller, width: float, size: float = 7) -> list[str]:
    """The seller's legal identity for the foot of each page, on as many lines of
    ``width`` points as it needs."""
    lines: list[str] = []
    current = ""
    for part in (pdf_text(text) for text in [seller.name, *seller.legal]):
        candidate = f"{current} – {part}" if current else part
        if current and stringWidth(candidate, FONT, size) > width:
            lines.append(current)
            current = part
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def draw_footer(canvas: Canvas, lines: list[str]) -> None:
    """The legal identity centred at the foot of the page, the page number under it."""
    canvas.saveState()
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 7)
    y = 8 * mm + 9 * len(lines)
    for line in lines:
        canvas.drawCentredString(PAGE_WIDTH / 2, y, line)
        y -= 9
    canvas.drawRightString(
        PAGE_WIDTH - MARGIN,
        6 * mm,
        pdf_text(_("Page %(page)d") % {"page": canvas.getPageNumber()}),
    )
    canvas.restoreState()


def _page_decorations(seller: Seller, draft: bool) -> Callable[[Canvas, Any], None]:
    footer = footer_lines(seller, PAGE_WIDTH - 2 * MARGIN)

    def decorate(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        if draft:
            canvas.setFillColor(colors.Color(0.85, 0.2, 0.2, alpha=0.18))
            canvas.setFont(BOLD, 90)
            canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, -30, DRAFT_MARK)
            canvas.rotate(-45)
            canvas.translate(-PAGE_WIDTH / 2, -PAGE_HEIGHT / 2)
        canvas.restoreState()
        draw_footer(canvas, footer)

    return decorate


def document_pdf(document: Document) -> bytes:
    """A printable A4 PDF of ``document`` (any type). A draft prints "BROUILLON" across
    every page and has no number; it shows the live client, an issued document the
    identity frozen when it was issued."""
    organization = document.organization
    seller = seller_of(organization)
    draft = document.sequence_number is None
    identity = (
        dict(document.client_snapshot)
        if not draft and document.client_snapshot
        else services.client_identity(document.client)
    )
    styles = _styles()
    title = TITLES[DocumentType(document.type)]()
    story: list[Any] = [
        _header_table(document, seller, identity, styles),
        Spacer(1, 6 * mm),
        _client_table(identity, styles),
        Spacer(1, 6 * mm),
    ]
    if document.subject:
        story.append(
            _para(_("Objet : %(subject)s") % {"subject": document.subject}, styles["base"])
        )
        story.append(Spacer(1, 3 * mm))
    lines = list(document.lines.all())  # type: ignore[attr-defined]
    story.append(_lines_table(lines, styles))
    story.append(Spacer(1, 4 * mm))
    story.append(_totals_table(document, lines))
    mentions = vat_mentions(document, identity)
    if mentions:
        story.append(Spacer(1, 3 * mm))
        story.append(_para(" – ".join(mentions), styles["heading"]))
    if document.notes:
        story.append(Spacer(1, 3 * mm))
        story.append(_para(document.notes, styles["base"]))
    if document.type in services.DUE_TYPES:
        story.append(Spacer(1, 4 * mm))
        terms = _("Conditions de paiement : %(terms)s") % {
            "terms": terms_text(document.payment_terms_days, document.payment_terms_end_of_month)
        }
        if document.due_date is not None:
            terms += " – " + _("échéance le %(date)s") % {"date": date_text(document.due_date)}
        story.append(_para(terms, styles["base"]))
    if document.type == DocumentType.INVOICE:
        account = bank_account_of(document)
        if account is not None:
            parts = [_("IBAN : %(iban)s") % {"iban": format_iban(account.iban)}]
            if account.bic:
                parts.append(_("BIC : %(bic)s") % {"bic": account.bic})
            if account.bank_name:
                parts.append(account.bank_name)
            story.append(
                _para(
                    _("Règlement par virement : %(account)s") % {"account": " – ".join(parts)},
                    styles["base"],
                )
            )
        story.append(Spacer(1, 2 * mm))
        for mention in invoice_mentions(seller):
            story.append(_para(mention, styles["mention"]))

    buffer = io.BytesIO()
    number = document.number if not draft else DRAFT_MARK
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=pdf_text(" ".join((title, number))),
        author=pdf_text(seller.name),
        creator="Carnet",
    )
    decorate = _page_decorations(seller, draft)
    pdf.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
