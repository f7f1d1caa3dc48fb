"""The REST API: one NinjaAPI under /api/v1/, bearer-token auth, problem-details errors."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from carnet.accounts.services import authenticate_token
from carnet.core.errors import DomainError
from carnet.core.problems import from_domain_error, problem, titles


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: sets ``request.organization`` and ``request.user``."""

    openapi_description = "API token from `carnet token create`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        request.organization = api_token.organization  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token


api = NinjaAPI(
    title="Carnet API",
    version="1",
    description="Client records of one organization. Errors are RFC 9457 problem details.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(request, exc)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(
        401, titles()[401], _("Jeton d'API absent, invalide ou révoqué. Envoyez « Authorization: Bearer <jeton> ».")
    )
    response["WWW-Authenticate"] = 'Bearer realm="carnet"'
    return response


_PYDANTIC_CODES = {
    "missing": ("required", lambda: _("Ce champ est obligatoire.")),
    "literal_error": ("invalid_choice", lambda: _("Valeur non autorisée.")),
    "enum": ("invalid_choice", lambda: _("Valeur non autorisée.")),
    "string_too_long": ("too_long", lambda: _("Texte trop long.")),
    "extra_forbidden": ("unknown_field", lambda: _("Ce champ n'existe pas.")),
    "json_invalid": ("malformed_json", lambda: _("Le corps de la requête n'est pas un JSON valide.")),
    "decimal_parsing": ("invalid_number", lambda: _("Un nombre décimal est attendu.")),
    "int_parsing": ("invalid_number", lambda: _("Un nombre entier est attendu.")),
    "greater_than_equal": ("out_of_range", lambda: _("Valeur trop petite.")),
    "less_than_equal": ("out_of_range", lambda: _("Valeur trop grande.")),
}


def _field_of(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "header")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        kind = str(error.get("type", ""))
        code, message = _PYDANTIC_CODES.get(kind, ("invalid_type", lambda: _("Type de valeur invalide.")))
        errors.append({"field": _field_of(list(error.get("loc", []))), "code": code, "message": str(message())})
    if any(e["code"] == "malformed_json" for e in errors):
        return problem(400, titles()[400], _("Le corps de la requête n'est pas un JSON valide."), errors=errors)
    return problem(422, titles()[422], _("Certaines valeurs sont invalides : voir « errors »."), errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(exc.status_code, titles().get(exc.status_code, _("Erreur")), str(exc.message))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, titles()[404], _("Ressource introuvable."))


def _register_routers() -> None:
    from carnet.clients.api import router as clients_router

    api.add_router("/clients", clients_router)


_register_routers()
