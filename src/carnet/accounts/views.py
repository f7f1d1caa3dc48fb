"""Log in and out, and switch between the organizations a user belongs to."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .middleware import SESSION_KEY
from .models import Membership


class EmailAuthenticationForm(AuthenticationForm):
    """The login form: e-mail addresses are stored lower-cased, so compare them so."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("E-mail")
        self.fields["username"].widget.input_type = "email"
        self.fields["username"].widget.attrs.update({"autocomplete": "email", "inputmode": "email"})
        self.fields["password"].label = gettext_lazy("Mot de passe")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username:
            self.cleaned_data["username"] = username.strip().lower()
        return super().clean()


login_view = auth_views.LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)

# Django's LogoutView answers POST only: a link or a prefetch cannot log anyone out.
logout_view = auth_views.LogoutView.as_view()


@require_POST
@login_required
def switch_organization(request: HttpRequest) -> HttpResponse:
    """Work in another organization the user is a member of (kept in the session)."""
    raw = request.POST.get("organization", "")
    user = request.user
    assert user.is_authenticated  # member_required
    membership = None
    if raw.isascii() and raw.isdigit():
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=user, organization_id=int(raw))
            .first()
        )
    if membership is None:
        messages.error(request, _("Vous n'êtes pas membre de cette organisation."))
    else:
        request.session[SESSION_KEY] = membership.organization_id
        messages.success(
            request,
            _("Vous travaillez maintenant dans « %(name)s ».")
            % {"name": membership.organization.name},
        )
    # Not back to the page we came from: its records belong to the previous organization.
    return redirect("clients:list")
