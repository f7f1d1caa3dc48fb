"""Template filters shared by every domain's pages."""

from __future__ import annotations

from django import template

from carnet.core.identifiers import display_phone

register = template.Library()


@register.filter(name="phone")
def phone(value: str) -> str:
    """``{{ number|phone }}``: a stored E.164 number in the format people read."""
    return display_phone(value) if value else ""
