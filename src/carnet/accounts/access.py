"""Access checks for web views: explicit helpers, called or applied by each view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

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
