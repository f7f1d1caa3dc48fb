"""RFC 9457 problem details for every API error.

The API's own handlers (``carnet.api``) answer problem details directly. What Django or
django-ninja answer by themselves under ``/api/`` (an unknown path, a method an endpoint
does not take, a crash outside an endpoint) is turned into problem details by
``ProblemDetailsMiddleware``, so an API client never has to parse an HTML error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, StaleVersion, ValidationFailed

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def problem(status: int, title: str, detail: str = "", **extra: Any) -> JsonResponse:
    """A problem-details response: ``type``, ``status``, ``title``, ``detail`` and extras."""
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(
        body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def titles() -> dict[int, str]:
    """The French title of each status the API answers (translated per request)."""
    return {
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Accès refusé"),
        404: _("Introuvable"),
        405: _("Méthode non autorisée"),
        406: _("Format de réponse non disponible"),
        409: _("Conflit"),
        412: _("Version périmée"),
        413: _("Requête trop volumineuse"),
        415: _("Type de contenu non pris en charge"),
        422: _("Données invalides"),
        429: _("Trop de requêtes"),
        500: _("Erreur interne"),
        503: _("Service indisponible"),
    }


def title_for(status: int) -> str:
    return titles().get(status, _("Erreur"))


def validation_detail(errors: list[dict[str, str]]) -> str:
    """A one-line summary of field errors: the error itself when there is only one."""
    if len(errors) == 1:
        error = errors[0]
        if _("« %(field)s »") % error in error["message"]:
            return error["message"]
        return _("« %(field)s » : %(message)s") % error
    return _("%(count)d valeurs sont invalides : voir « errors ».") % {"count": len(errors)}


def validation_problem(errors: list[dict[str, str]], detail: str = "") -> JsonResponse:
    """422 with ``errors: [{field, code, message}]``."""
    return problem(422, title_for(422), detail or validation_detail(errors), errors=errors)


def from_domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    """The problem details of an error raised by a service."""
    if isinstance(exc, ValidationFailed):
        errors = [e.as_dict() for e in exc.errors]
        return validation_problem(errors, str(exc.detail))
    extra: dict[str, Any] = dict(exc.extra)
    if isinstance(exc, Conflict):
        extra["code"] = exc.code
    if isinstance(exc, StaleVersion):
        extra["current_version"] = exc.current_version
    return problem(exc.status, title_for(exc.status), str(exc.detail), **extra)


def is_problem(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith(CONTENT_TYPE)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def _fallback_detail(request: HttpRequest, response: HttpResponse) -> str:
    status = response.status_code
    if status == 404:
        return _("Aucune ressource à cette adresse. La liste des adresses est sur /api/v1/docs.")
    if status == 405:
        allowed = ", ".join(
            m.strip() for m in str(response.get("Allow", "")).split(",") if m.strip()
        )
        return _(
            "La méthode %(method)s n'est pas acceptée ici. Méthodes possibles : %(allowed)s."
        ) % {
            "method": request.method,
            "allowed": allowed or "—",
        }
    if status >= 500:
        return _(
            "Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard."
        )
    return ""


class ProblemDetailsMiddleware:
    """Under ``/api/``, replace the HTML or plain-text error pages that Django and
    django-ninja produce by themselves (404, 405, 500…) with problem details.

    Placed after ``LocaleMiddleware`` so that messages are in the request's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_path(request.path_info)
            or is_problem(response)
            or getattr(response, "streaming", False)
        ):
            return response
        replacement = problem(
            response.status_code,
            title_for(response.status_code),
            _fallback_detail(request, response),
        )
        for header in ("Allow", "WWW-Authenticate", "Retry-After", "Content-Language", "Vary"):
            if header in response:
                replacement[header] = response[header]
        return replacement
