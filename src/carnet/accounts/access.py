"""Access checks for web views: explicit helpers, called or applied by each view."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from carnet.core.errors import NotFound

from .models import Organization, Role, User

View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Let through a logged-in user who is a member of the current organization.

    Anonymous visitors go to the login page (an htmx request is told to load it as a
    whole page); a logged-in user without any membership gets a 403 page that says so.
    ``request.organization`` is set by ``OrganizationMiddleware``.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if getattr(request, "htmx", False):
                login_url = f"{reverse('accounts:login')}?next={request.path}"
                return HttpResponseClientRedirect(login_url)
            return redirect_to_login(request.get_full_path())
        if getattr(request, "organization", None) is None:
            return render(request, "accounts/no_membership.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def require_editor(request: HttpRequest) -> None:
    """Refuse (403) a change by a member whose role only allows reading."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_edit:
        raise PermissionDenied


def current_organization(request: HttpRequest) -> Organization:
    """The organization the request works in (set by ``OrganizationMiddleware``; views
    behind ``member_required`` always have one)."""
    return request.organization  # type: ignore[attr-defined,no-any-return]


def current_user(request: HttpRequest) -> User:
    """The logged-in user of a view behind ``member_required``."""
    return request.user  # type: ignore[return-value]


def can_edit(request: HttpRequest) -> bool:
    """Whether the member may change records (templates show or hide actions with it)."""
    membership = getattr(request, "membership", None)
    return bool(membership and membership.can_edit)


def is_admin(request: HttpRequest) -> bool:
    """Whether the member administers the organization (role owner or admin): settings
    such as custom field definitions are theirs to change."""
    membership = getattr(request, "membership", None)
    return bool(membership and membership.role in (Role.OWNER, Role.ADMIN))


def require_admin(request: HttpRequest) -> None:
    """Refuse (403) a change to the organization's settings by a member who is not an
    owner or an admin."""
    if not is_admin(request):
        raise PermissionDenied


@contextmanager
def not_found_as_404() -> Iterator[None]:
    """Turn a service's ``NotFound`` (another organization's id included) into a 404 page."""
    try:
        yield
    except NotFound as exc:
        raise Http404(str(exc.detail)) from None
