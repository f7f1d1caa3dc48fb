"""The REST API: one NinjaAPI under /api/v1/, bearer-token auth, problem-details errors.

Every error an endpoint can meet ends here as RFC 9457 problem details with a French
message: domain errors from the services, request bodies that are not JSON, values the
schemas refuse, missing tokens and unexpected crashes. ``ProblemDetailsMiddleware``
(``carnet.core.problems``) covers what Django answers outside the endpoints.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from carnet.accounts.services import authenticate_token
from carnet.core.errors import DomainError
from carnet.core.problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from carnet.core.problems import (
    from_domain_error,
    problem,
    title_for,
    validation_problem,
)

logger = logging.getLogger("django.request")


# --- Authentication ---------------------------------------------------------------------
class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>``: sets ``request.organization`` and ``request.user``
    from a live token of a current member of the organization."""

    openapi_description = "API token from `carnet token create --org SLUG --user EMAIL`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_token(token)
        if api_token is None:
            request._carnet_token_refused = True  # type: ignore[attr-defined]
            return None
        request.organization = api_token.organization  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token


# --- Request bodies ---------------------------------------------------------------------
class UnsupportedMediaType(Exception):
    """The request body is not declared as JSON."""


class MalformedJson(Exception):
    """The request body is not valid JSON (RFC 8259: no NaN, no Infinity)."""

    def __init__(self, line: int | None = None, column: int | None = None) -> None:
        super().__init__(f"line {line}, column {column}")
        self.line = line
        self.column = column


_JSON_MEDIA_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$", re.IGNORECASE)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 would become inf, which no column can hold
        raise MalformedJson()
    return value


def _no_constant(name: str) -> Any:
    raise MalformedJson()


class JsonParser(Parser):
    """Bodies must be JSON, declared as such, and strictly valid."""

    def parse_body(self, request: HttpRequest) -> Any:
        if not _JSON_MEDIA_TYPE.match(request.content_type or ""):
            raise UnsupportedMediaType(request.content_type)
        try:
            text = request.body.decode("utf-8")
            return json.loads(text, parse_float=_finite_float, parse_constant=_no_constant)
        except UnicodeDecodeError:
            raise MalformedJson() from None
        except json.JSONDecodeError as exc:
            raise MalformedJson(exc.lineno, exc.colno) from None
        except RecursionError:  # absurdly deep nesting
            raise MalformedJson() from None


# --- The API ----------------------------------------------------------------------------
def _unknown_path(request: HttpRequest, unknown: str = "") -> HttpResponse:
    return problem(
        404,
        title_for(404),
        _("Aucune ressource à cette adresse. La liste des adresses est sur /api/v1/docs."),
    )


class CarnetAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document declares errors as ``application/problem+json`` and
    whose unknown paths answer problem details rather than Django's HTML 404 page."""

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        return (
            [*patterns, re_path(r"^(?P<unknown>.*)$", csrf_exempt(_unknown_path))],
            app_name,
            namespace,
        )

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = CarnetAPI(
    title="Carnet API",
    version="1",
    description=(
        "Client records of one organization. Authenticate with `Authorization: Bearer "
        "<token>`. Errors are RFC 9457 problem details (`application/problem+json`) with "
        "a French message (English with `Accept-Language: en`); invalid values are listed "
        "in `errors: [{field, code, message}]`."
    ),
    auth=TokenAuth(),
    parser=JsonParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return from_domain_error(request, exc)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if getattr(request, "_carnet_token_refused", False):
        detail = _("Ce jeton d'API est invalide ou révoqué.")
        challenge = 'Bearer realm="carnet", error="invalid_token"'
    else:
        detail = _("Jeton d'API manquant : envoyez l'en-tête « Authorization: Bearer <jeton> ».")
        challenge = 'Bearer realm="carnet"'
    response = problem(401, title_for(401), detail)
    response["WWW-Authenticate"] = challenge
    return response


# --- Validation errors from the schemas -------------------------------------------------
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _quoted_choices(expected: str) -> str:
    """ "'a', 'b' or 'c'" (pydantic's wording) -> "a, b, c"."""
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """A stable code and a French message for one pydantic error."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required", _("Ce champ est obligatoire.")
    if kind in {"literal_error", "enum"}:
        return "invalid_choice", _("Valeur non autorisée. Valeurs possibles : %(choices)s.") % {
            "choices": _quoted_choices(str(ctx.get("expected", "")))
        }
    if kind == "extra_forbidden":
        return "unknown_field", _("Ce champ n'existe pas.")
    if kind == "string_too_long":
        return "too_long", _("%(max)s caractères au maximum.") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return "too_many", _("%(max)s éléments au maximum.") % {"max": ctx.get("max_length")}
    if kind in {"string_type", "string_unicode"}:
        return "invalid_type", _("Une valeur texte est attendue.")
    if kind in {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}:
        return "invalid_number", _("Un nombre entier est attendu.")
    if kind.startswith(("decimal_", "float_")) or kind == "finite_number":
        return "invalid_number", _("Un nombre est attendu, par exemple 1500.50.")
    if kind in {"bool_type", "bool_parsing"}:
        return "invalid_type", _("true ou false est attendu.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return "invalid_type", _("Une liste est attendue.")
    if kind in {"dict_type", "model_type", "model_attributes_type", "mapping_type"}:
        return "invalid_type", _("Un objet JSON est attendu.")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return "out_of_range", _("La valeur doit être au moins %(min)s.") % {"min": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return "out_of_range", _("La valeur doit être au plus %(max)s.") % {"max": limit}
    if kind in {"datetime_parsing", "datetime_type", "date_parsing", "date_type"}:
        return "invalid_date", _("Une date ISO 8601 est attendue.")
    return "invalid", _("Valeur invalide.")


def _field_of(loc: list[Any]) -> tuple[str, str]:
    """(source, field) of a pydantic location: ('body', 'payload', 'tags', 3) -> ('body', 'tags').

    Errors name the top-level field, like the service layer's errors do."""
    parts = list(loc)
    source = str(parts.pop(0)) if parts and parts[0] in _SOURCES else ""
    if source == "body" and parts:
        parts.pop(0)  # the endpoint's parameter name ("payload")
    return source, (str(parts[0]) if parts else "body")


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for error in exc.errors:
        source, field = _field_of(list(error.get("loc", [])))
        if source == "path":
            # /clients/abc names no client: that is "not found", not a form error.
            return problem(404, title_for(404), _("Aucune ressource à cette adresse."))
        if source == "body" and field == "body":
            code, message = "invalid_body", _("Le corps de la requête doit être un objet JSON.")
        else:
            code, message = _describe(error)
        if field in seen:  # a union reports each alternative; one message is enough
            continue
        seen.add(field)
        errors.append({"field": field, "code": code, "message": str(message)})
    return validation_problem(errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, UnsupportedMediaType):
        return problem(
            415,
            title_for(415),
            _(
                "Le corps de la requête doit être du JSON, envoyé avec "
                "« Content-Type: application/json »."
            ),
        )
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause)
    if isinstance(cause, MalformedJson):
        if cause.line is not None:
            detail = _(
                "Le corps de la requête n'est pas un JSON valide "
                "(ligne %(line)d, colonne %(column)d)."
            ) % {"line": cause.line, "column": cause.column}
        else:
            detail = _("Le corps de la requête n'est pas un JSON valide.")
        return problem(400, title_for(400), detail)
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    return problem(exc.status_code, title_for(exc.status_code))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return problem(413, title_for(413), _("Le corps de la requête est trop volumineux."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(404, title_for(404), _("Aucune ressource à cette adresse."))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: log it like Django would (and let the test client re-raise it), answer 500."""
    logger.error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    got_request_exception.send(sender=None, request=request)
    response = problem(
        500,
        title_for(500),
        _("Une erreur inattendue s'est produite ; elle a été enregistrée. Réessayez plus tard."),
    )
    response._has_been_logged = True  # type: ignore[attr-defined]  # with its traceback, above
    return response


def _register_routers() -> None:
    from carnet.addresses.api import router as addresses_router
    from carnet.banking.api import creditor_router
    from carnet.banking.api import router as banking_router
    from carnet.clients.api import router as clients_router
    from carnet.clients.organizing_api import (
        categories_router,
        groups_router,
        saved_views_router,
        tags_router,
    )
    from carnet.contacts.api import router as contacts_router
    from carnet.contacts.vcard_api import router as vcards_router
    from carnet.customfields.api import router as custom_fields_router
    from carnet.duplicates.api import duplicates_router, merge_router, merges_router
    from carnet.files.api import router as files_router
    from carnet.imports.api import exports_router
    from carnet.imports.api import router as imports_router
    from carnet.payments.api import router as payment_settings_router
    from carnet.sales.api import (
        client_reports_router,
        documents_router,
        payments_router,
        settings_router,
    )

    # Before the clients' own routes: "/clients/merge" is not a client id.
    api.add_router("/clients", merge_router)
    api.add_router("/clients", clients_router)
    api.add_router("/tags", tags_router)
    api.add_router("/categories", categories_router)
    api.add_router("/category-groups", groups_router)
    api.add_router("/saved-views", saved_views_router)
    api.add_router("/clients", addresses_router)
    api.add_router("/clients", banking_router)
    api.add_router("", contacts_router)
    api.add_router("", files_router)
    api.add_router("", vcards_router)
    api.add_router("/custom-fields", custom_fields_router)
    api.add_router("/imports", imports_router)
    api.add_router("/exports", exports_router)
    api.add_router("/duplicates", duplicates_router)
    api.add_router("/merges", merges_router)
    api.add_router("/payment-settings", creditor_router)
    api.add_router("/payment-settings", payment_settings_router)
    api.add_router("/clients", client_reports_router)
    api.add_router("/documents", documents_router)
    api.add_router("/payments", payments_router)
    api.add_router("/sales-settings", settings_router)


_register_routers()
