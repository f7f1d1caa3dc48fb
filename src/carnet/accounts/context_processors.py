from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def organization(request: HttpRequest) -> dict[str, Any]:
    """Expose the current organization and the user's other organizations to templates."""
    current = getattr(request, "organization", None)
    others = []
    user = getattr(request, "user", None)
    if current is not None and user is not None and user.is_authenticated:
        others = [m.organization for m in user.memberships.select_related("organization")]
    return {"organization": current, "user_organizations": others}
