"""A document's totals from its lines, in ``Decimal``, rounded to the cent half up.

Each line's amount excl. VAT is rounded first (what the line prints), the document's
discount is spread over the VAT rates in proportion to their bases (a fixed amount's last
cent going to the largest base), and VAT is computed once per rate on the discounted base,
as French invoices show it ("base HT / taux / montant de TVA" per rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number_of(value: Any) -> Decimal:
    """A sum read from either database (SQLite gives floats) as a Decimal."""
    if value is None:
        return ZERO
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def line_total(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """Quantity × unit price less the line's discount, to the cent."""
    gross = quantity * unit_price
    return cents(gross - gross * discount_percent / HUNDRED)


@dataclass(frozen=True)
class LineAmounts:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal


@dataclass
class Totals:
    """The figures a document shows: lines, discount, VAT per rate and totals."""

    lines: list[Decimal] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    total_excl_vat: Decimal = ZERO
    total_vat: Decimal = ZERO
    total_incl_vat: Decimal = ZERO
    # (rate, base excl. VAT after discount, VAT), highest rate first
    vat: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)

    def breakdown(self) -> list[dict[str, str]]:
        return [
            {"rate": _plain(rate), "base": str(base), "vat": str(vat)}
            for rate, base, vat in self.vat
        ]


def _plain(rate: Decimal) -> str:
    """20.00 → "20", 5.50 → "5.5"."""
    text = format(rate.normalize(), "f")
    return text


def compute_totals(
    lines: Iterable[LineAmounts],
    *,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal | None = None,
    zero_vat: bool = False,
) -> Totals:
    """Totals of a document. ``zero_vat`` (reverse charge, export) keeps the lines' rates
    out: every base is taxed at 0 %."""
    totals = Totals()
    bases: dict[Decimal, Decimal] = {}
    for line in lines:
        amount = line_total(line.quantity, line.unit_price, line.discount_percent)
        totals.lines.append(amount)
        rate = ZERO if zero_vat else line.vat_rate
        bases[rate] = bases.get(rate, ZERO) + amount
    totals.subtotal = sum(bases.values(), ZERO)

    discount = ZERO
    if discount_percent:
        discount = cents(totals.subtotal * discount_percent / HUNDRED)
    elif discount_amount:
        discount = min(cents(discount_amount), totals.subtotal) if totals.subtotal > 0 else ZERO
    totals.discount = discount

    rates = sorted(bases, key=lambda r: (-abs(bases[r]), -r))
    shares: dict[Decimal, Decimal] = {}
    if discount and totals.subtotal:
        spread = ZERO
        for rate in rates[1:]:
            shares[rate] = cents(discount * bases[rate] / totals.subtotal)
            spread += shares[rate]
        shares[rates[0]] = discount - spread  # the rounding remainder on the largest base
    for rate in sorted(bases, reverse=True):
        base = bases[rate] - shares.get(rate, ZERO)
        vat = cents(base * rate / HUNDRED)
        totals.vat.append((rate, base, vat))
        totals.total_excl_vat += base
        totals.total_vat += vat
    totals.total_incl_vat = totals.total_excl_vat + totals.total_vat
    return totals
