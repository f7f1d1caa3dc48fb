"""Errors raised by the domain layer and translated to HTTP by the UI and the API.

Services raise these; views and API handlers never invent their own. Messages are lazy
French strings (English when the request asks for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: a stable code for programs, a message for people."""

    field: str
    code: str
    message: str | Promise

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    status = 400

    def __init__(self, detail: str | Promise = "", **extra: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.extra = extra


class ValidationFailed(DomainError):
    """The input is refused; ``errors`` says which fields and why."""

    status = 422

    def __init__(self, errors: list[FieldError], detail: str | Promise = "") -> None:
        super().__init__(detail)
        self.errors = errors

    def for_field(self, field: str) -> list[FieldError]:
        return [e for e in self.errors if e.field == field]


class NotFound(DomainError):
    """No such record in the caller's organization (another organization's ids included)."""

    status = 404


class Conflict(DomainError):
    """The change contradicts the current state (duplicate, refused delete…)."""

    status = 409

    def __init__(self, detail: str | Promise, *, code: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code


class StaleVersion(DomainError):
    """The record changed since the caller read it (optimistic concurrency)."""

    status = 412

    def __init__(self, detail: str | Promise, *, current_version: int) -> None:
        super().__init__(detail, current_version=current_version)
        self.current_version = current_version


class PermissionDenied(DomainError):
    """The acting user may not do this in this organization."""

    status = 403
