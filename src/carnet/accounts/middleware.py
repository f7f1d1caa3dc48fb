"""Attach the current organization to every web request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import Membership

SESSION_KEY = "organization_id"


class OrganizationMiddleware:
    """Set ``request.organization`` and ``request.membership`` for a logged-in user.

    The organization is the one chosen in the session, else the user's first. A user
    with no membership gets ``None`` and every organization-scoped view refuses them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/api/"):
            memberships = Membership.objects.select_related("organization").filter(user=user)
            chosen = request.session.get(SESSION_KEY)
            membership = None
            if chosen is not None:
                membership = memberships.filter(organization_id=chosen).first()
            if membership is None:
                membership = memberships.order_by("created_at", "id").first()
            if membership is not None:
                request.organization = membership.organization  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
        return self.get_response(request)
