"""RFC 9457 problem details for every API error."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, StaleVersion, ValidationFailed

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int, title: str, detail: str = "", **extra: Any
) -> JsonResponse:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE, json_dumps_params={"ensure_ascii": False})
    return response


def titles() -> dict[int, str]:
    return {
        400: _("Requête invalide"),
        401: _("Authentification requise"),
        403: _("Accès refusé"),
        404: _("Introuvable"),
        405: _("Méthode non autorisée"),
        409: _("Conflit"),
        412: _("Version périmée"),
        413: _("Requête trop volumineuse"),
        415: _("Type de contenu non pris en charge"),
        422: _("Données invalides"),
        500: _("Erreur interne"),
    }


def from_domain_error(request: HttpRequest, exc: DomainError) -> JsonResponse:
    """The problem details of an error raised by a service."""
    title = titles().get(exc.status, _("Erreur"))
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = [e.as_dict() for e in exc.errors]
        detail = str(exc.detail) or _("Certaines valeurs sont invalides : voir « errors ».")
    else:
        detail = str(exc.detail)
    if isinstance(exc, Conflict):
        extra["code"] = exc.code
    if isinstance(exc, StaleVersion):
        extra["current_version"] = exc.current_version
    else:
        extra.update({k: v for k, v in exc.extra.items()})
    return problem(exc.status, title, detail, **extra)
