"""REST endpoints for duplicates (review, dismiss, scan) and merges (preview, merge, undo)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from pydantic import ConfigDict

from carnet.accounts.models import Organization, Role, User
from carnet.clients.api import IF_MATCH_DESCRIPTION, _parse_if_match
from carnet.clients.schemas import Problem
from carnet.core.errors import PermissionDenied
from carnet.jobs import services as jobs

from . import merging, services
from .models import Merge

duplicates_router = Router(tags=["duplicates"])
merge_router = Router(tags=["merges"])
merges_router = Router(tags=["merges"])

SOURCE = "api"
READ_ERRORS: dict[int | tuple[int, ...], Any] = {(401, 404): Problem}
WRITE_ERRORS: dict[int | tuple[int, ...], Any] = {(400, 401, 403, 404, 409, 412, 415, 422): Problem}


def _organization(request: HttpRequest) -> Organization:
    return cast(Organization, request.organization)  # type: ignore[attr-defined]  # TokenAuth


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _require_editor(request: HttpRequest) -> None:
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # TokenAuth
    if role is None or role == Role.VIEWER:
        raise PermissionDenied(
            _("Votre rôle dans l'organisation ne permet pas de fusionner des clients.")
        )


# --- Schemas ----------------------------------------------------------------------------
class ReasonOut(Schema):
    code: str = Field(
        description="same_email, same_siret, same_vat_number, same_siren, "
        "same_phone or similar_name"
    )
    detail: str
    label: str = Field(description="In the request's language.")


class PairOut(Schema):
    first: int
    second: int
    score: int
    exact: bool
    reasons: list[ReasonOut]


class MemberOut(Schema):
    id: int
    name: str
    reference: str
    email: str
    archived: bool


class GroupOut(Schema):
    id: int
    score: int
    exact: bool
    members: list[MemberOut]
    pairs: list[PairOut]


class GroupList(Schema):
    items: list[GroupOut]
    scanned_at: Any = Field(None, description="When the last scan ran (null before any).")


class ScanOut(Schema):
    status: str
    job: int
    counts: dict[str, int] = Field(default_factory=dict)


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    survivor: int = Field(description="The client that stays.")
    others: list[int] = Field(description="The clients merged into it (1 to 9).", max_length=20)
    values: dict[str, int] | None = Field(
        None,
        description="For a field (`email`, `custom_fields.<slug>`…), the client whose value "
        "the survivor takes; by default its own non-empty value, else the first other's.",
    )


class ChoiceOut(Schema):
    field: str
    values: list[dict[str, Any]] = Field(description="`{client, value}` for every client.")
    chosen: int
    conflict: bool


class PreviewOut(Schema):
    survivor: int
    others: list[int]
    fields: list[ChoiceOut]
    tags: list[str]
    result: dict[str, Any]
    moves: dict[str, int]


class MergeOut(Schema):
    id: int
    survivor: int
    others: list[int]
    values: dict[str, Any]
    created_at: Any
    undone_at: Any = None


# --- Duplicates -------------------------------------------------------------------------
def _group_data(item: dict[str, Any]) -> dict[str, Any]:
    group = item["group"]
    return {
        "id": group.pk,
        "score": group.score,
        "exact": group.exact,
        "members": [
            {
                "id": c.pk,
                "name": c.name,
                "reference": c.reference,
                "email": c.email,
                "archived": c.archived,
            }
            for c in item["members"]
        ],
        "pairs": [
            {
                **pair,
                "reasons": [
                    {**reason, "label": services.reason_label(reason["code"])}
                    for reason in pair["reasons"]
                ],
            }
            for pair in item["pairs"]
        ],
    }


@duplicates_router.get(
    "",
    response={200: GroupList, **READ_ERRORS},
    summary="Groups of likely duplicates, most certain first",
    description="As the last scan found them (`POST /duplicates/scan`), without the clients "
    "merged, trashed or dismissed since.",
)
def list_groups(request: HttpRequest) -> Any:
    organization = _organization(request)
    return {
        "items": [_group_data(item) for item in services.review_groups(organization)],
        "scanned_at": services.last_scan(organization),
    }


@duplicates_router.post(
    "/scan",
    response={200: ScanOut, 202: ScanOut, **WRITE_ERRORS},
    summary="Look for duplicates among all the clients",
    description="Runs in the background for a large organization (202: follow the job).",
)
def scan(request: HttpRequest) -> Any:
    _require_editor(request)
    organization = _organization(request)
    job = jobs.create_job(organization, _user(request), "duplicates_scan", {})
    jobs.start_job(job)
    job.refresh_from_db()
    if job.finished:
        return Status(200, {"status": job.status, "job": job.pk, "counts": job.result})
    return Status(202, {"status": job.status, "job": job.pk, "counts": {}})


@duplicates_router.post(
    "/{group_id}/dismiss",
    response={204: None, **WRITE_ERRORS},
    summary="Not duplicates: remember it",
)
def dismiss(request: HttpRequest, group_id: int) -> Any:
    _require_editor(request)
    services.dismiss_group(_organization(request), _user(request), group_id)
    return HttpResponse(status=204)


# --- Merges -----------------------------------------------------------------------------
def _preview_data(preview: merging.MergePreview) -> dict[str, Any]:
    from carnet.core.history import to_json

    return {
        "survivor": preview.survivor.pk,
        "others": [c.pk for c in preview.others],
        "fields": [
            {
                "field": choice.field,
                "values": [{"client": pk, "value": to_json(v)} for pk, v in choice.values],
                "chosen": choice.chosen,
                "conflict": choice.conflict,
            }
            for choice in preview.fields
        ],
        "tags": preview.tags,
        "result": {k: to_json(v) for k, v in preview.result.items()},
        "moves": preview.moves,
    }


def merge_data(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "survivor": merge.survivor_id,
        "others": merge.others,
        "values": merge.values,
        "created_at": merge.created_at,
        "undone_at": merge.undone_at,
    }


@merge_router.post(
    "/merge/preview",
    response={200: PreviewOut, **WRITE_ERRORS},
    summary="What merging clients would give, field by field",
)
def preview(request: HttpRequest, payload: MergeIn) -> Any:
    result = merging.preview_merge(
        _organization(request), payload.survivor, payload.others, payload.values
    )
    return _preview_data(result)


@merge_router.post(
    "/merge",
    response={201: MergeOut, **WRITE_ERRORS},
    summary="Merge clients into one",
    description="In one transaction: everything attached to the `others` moves to the "
    "`survivor`, which takes the chosen values; the others leave every list (their ids "
    "answer with `merged_into`). Undo with `POST /merges/{id}/undo`. " + IF_MATCH_DESCRIPTION,
)
def merge(
    request: HttpRequest,
    payload: MergeIn,
    if_match: str | None = Header(None, alias="If-Match", description=IF_MATCH_DESCRIPTION),
) -> Any:
    _require_editor(request)
    result = merging.merge_clients(
        _organization(request),
        _user(request),
        payload.survivor,
        payload.others,
        payload.values,
        expected_version=_parse_if_match(if_match),
        source=SOURCE,
    )
    return Status(201, merge_data(result))


@merges_router.get("/{merge_id}", response={200: MergeOut, **READ_ERRORS}, summary="A merge")
def get_merge(request: HttpRequest, merge_id: int) -> Any:
    return merge_data(merging.get_merge(_organization(request), merge_id))


@merges_router.post(
    "/{merge_id}/undo",
    response={200: MergeOut, **WRITE_ERRORS},
    summary="Undo a merge",
    description="The merged clients, their values and their links come back as they were. "
    "Refused (409) when a record the merge moved was deleted since.",
)
def undo(request: HttpRequest, merge_id: int) -> Any:
    _require_editor(request)
    return merge_data(
        merging.undo_merge(_organization(request), _user(request), merge_id, source=SOURCE)
    )
