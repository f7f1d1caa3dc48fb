"""REST endpoints for what organizes clients: tags, categories and their groups, and
saved list views. Parse, authorize, call ``services``, answer."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import Router

from carnet.accounts.models import Role
from carnet.core.errors import FieldError, ValidationFailed

from . import services
from .api import (
    READ_ERRORS,
    STATE_ERRORS,
    WRITE_ERRORS,
    _json,
    _organization,
    _require_editor,
    _user,
)
from .models import Category, CategoryGroup, SavedView, Tag
from .schemas import (
    CategoryGroupIn,
    CategoryGroupList,
    CategoryGroupOut,
    CategoryIn,
    CategoryList,
    CategoryOut,
    DeletedOut,
    MergedOut,
    MergeIn,
    SavedViewIn,
    SavedViewList,
    SavedViewOut,
    SavedViewPatch,
    TagIn,
    TagList,
    TagOut,
)

tags_router = Router(tags=["tags"])
categories_router = Router(tags=["categories"])
groups_router = Router(tags=["categories"])
saved_views_router = Router(tags=["saved views"])
LIST_ERRORS: dict[int | tuple[int, ...], Any] = {(401,): READ_ERRORS[(401, 404)]}


def _created(data: dict[str, Any], request: HttpRequest) -> HttpResponse:
    response = _json(data, status=201)
    response["Location"] = f"{request.path.rstrip('/')}/{data['id']}"
    return response


# --- Tags -------------------------------------------------------------------------------
def _tag_data(tag: Tag, count: int | None = None) -> dict[str, Any]:
    if count is None:
        count = tag.clienttag_set.count()
    return {"id": tag.pk, "name": tag.name, "client_count": count}


@tags_router.get("", response={200: TagList, **LIST_ERRORS}, summary="List tags")
def list_tags(request: HttpRequest) -> Any:
    tags = (
        Tag.objects.filter(organization=_organization(request))
        .annotate(n=Count("clienttag"))
        .order_by("name", "id")
    )
    return _json({"items": [_tag_data(t, t.n) for t in tags]})


@tags_router.post(
    "",
    response={201: TagOut, **WRITE_ERRORS},
    summary="Create a tag",
    description="Refused with 409 (`existing_id`) when a tag has the same name, in any case.",
)
def create_tag(request: HttpRequest, payload: TagIn) -> Any:
    _require_editor(request)
    tag = services.create_tag(_organization(request), _user(request), payload.name, source="api")
    return _created(_tag_data(tag, 0), request)


@tags_router.patch(
    "/{tag_id}",
    response={200: TagOut, **WRITE_ERRORS},
    summary="Rename a tag",
    description="Every client shows the new name at once. 409 when another tag has it: merge.",
)
def rename_tag(request: HttpRequest, tag_id: int, payload: TagIn) -> Any:
    _require_editor(request)
    tag = services.rename_tag(
        _organization(request), _user(request), tag_id, payload.name, source="api"
    )
    return _json(_tag_data(tag))


@tags_router.post(
    "/{tag_id}/merge",
    response={200: MergedOut, **WRITE_ERRORS},
    summary="Merge a tag into another",
    description="Its clients get the tag `into` instead; then it is deleted.",
)
def merge_tag(request: HttpRequest, tag_id: int, payload: MergeIn) -> Any:
    _require_editor(request)
    organization = _organization(request)
    count = services.merge_tags(organization, _user(request), tag_id, payload.into, source="api")
    into = services.get_tag(organization, payload.into)
    return _json({"merged_into": _tag_data(into), "clients_affected": count})


@tags_router.delete(
    "/{tag_id}",
    response={200: DeletedOut, **STATE_ERRORS},
    summary="Delete a tag",
    description="It is taken off every client (`clients_affected`), each recording it.",
)
def delete_tag(request: HttpRequest, tag_id: int) -> Any:
    _require_editor(request)
    count = services.delete_tag(_organization(request), _user(request), tag_id, source="api")
    return _json({"deleted": True, "clients_affected": count})


# --- Categories -------------------------------------------------------------------------
def _category_data(category: Category, count: int | None = None) -> dict[str, Any]:
    if count is None:
        count = category.clients.count()
    group = category.group
    return {
        "id": category.pk,
        "name": category.name,
        "group": {"id": group.pk, "name": group.name} if group else None,
        "client_count": count,
    }


@categories_router.get("", response={200: CategoryList, **LIST_ERRORS}, summary="List categories")
def list_categories(request: HttpRequest) -> Any:
    categories = (
        Category.objects.filter(organization=_organization(request))
        .select_related("group")
        .annotate(n=Count("clients"))
        .order_by("group__name", "name", "id")
    )
    return _json({"items": [_category_data(c, c.n) for c in categories]})


@categories_router.post(
    "",
    response={201: CategoryOut, **WRITE_ERRORS},
    summary="Create a category",
    description="`group`: the id of a category group, or null.",
)
def create_category(request: HttpRequest, payload: CategoryIn) -> Any:
    _require_editor(request)
    if payload.name is None:
        raise ValidationFailed([FieldError("name", "required", _("Le nom est obligatoire."))])
    category = services.create_category(
        _organization(request), _user(request), payload.name, group=payload.group, source="api"
    )
    return _created(_category_data(category, 0), request)


@categories_router.patch(
    "/{category_id}",
    response={200: CategoryOut, **WRITE_ERRORS},
    summary="Rename a category or move it to another group",
)
def update_category(request: HttpRequest, category_id: int, payload: CategoryIn) -> Any:
    _require_editor(request)
    category = services.update_category(
        _organization(request),
        _user(request),
        category_id,
        payload.dict(exclude_unset=True),
        source="api",
    )
    return _json(_category_data(category))


@categories_router.post(
    "/{category_id}/merge",
    response={200: MergedOut, **WRITE_ERRORS},
    summary="Merge a category into another",
    description="Its clients move to the category `into`; then it is deleted.",
)
def merge_category(request: HttpRequest, category_id: int, payload: MergeIn) -> Any:
    _require_editor(request)
    organization = _organization(request)
    count = services.merge_categories(
        organization, _user(request), category_id, payload.into, source="api"
    )
    into = services.get_category(organization, payload.into)
    return _json({"merged_into": _category_data(into), "clients_affected": count})


@categories_router.delete(
    "/{category_id}",
    response={200: DeletedOut, **STATE_ERRORS},
    summary="Delete a category",
    description="Its clients are left without a category (`clients_affected`).",
)
def delete_category(request: HttpRequest, category_id: int) -> Any:
    _require_editor(request)
    count = services.delete_category(
        _organization(request), _user(request), category_id, source="api"
    )
    return _json({"deleted": True, "clients_affected": count})


# --- Category groups --------------------------------------------------------------------
def _group_data(group: CategoryGroup) -> dict[str, Any]:
    names = list(group.categories.order_by("name").values_list("name", flat=True))
    return {"id": group.pk, "name": group.name, "categories": names}


@groups_router.get(
    "", response={200: CategoryGroupList, **LIST_ERRORS}, summary="List category groups"
)
def list_groups(request: HttpRequest) -> Any:
    groups = CategoryGroup.objects.filter(organization=_organization(request)).prefetch_related(
        "categories"
    )
    return _json(
        {
            "items": [
                {
                    "id": g.pk,
                    "name": g.name,
                    "categories": sorted((c.name for c in g.categories.all()), key=str.casefold),
                }
                for g in groups
            ]
        }
    )


@groups_router.post(
    "", response={201: CategoryGroupOut, **WRITE_ERRORS}, summary="Create a category group"
)
def create_group(request: HttpRequest, payload: CategoryGroupIn) -> Any:
    _require_editor(request)
    group = services.create_category_group(
        _organization(request), _user(request), payload.name, source="api"
    )
    return _created(_group_data(group), request)


@groups_router.patch(
    "/{group_id}", response={200: CategoryGroupOut, **WRITE_ERRORS}, summary="Rename a group"
)
def rename_group(request: HttpRequest, group_id: int, payload: CategoryGroupIn) -> Any:
    _require_editor(request)
    group = services.rename_category_group(
        _organization(request), _user(request), group_id, payload.name, source="api"
    )
    return _json(_group_data(group))


@groups_router.delete(
    "/{group_id}",
    response={200: DeletedOut, **STATE_ERRORS},
    summary="Delete a category group",
    description="Its categories stay, outside any group (`categories_affected`).",
)
def delete_group(request: HttpRequest, group_id: int) -> Any:
    _require_editor(request)
    count = services.delete_category_group(
        _organization(request), _user(request), group_id, source="api"
    )
    return _json({"deleted": True, "categories_affected": count})


# --- Saved views ------------------------------------------------------------------------
def _is_admin(request: HttpRequest) -> bool:
    role = getattr(request.auth, "role", None)  # type: ignore[attr-defined]  # set by TokenAuth
    return role in (Role.OWNER, Role.ADMIN)


def _view_data(view: SavedView, request: HttpRequest) -> dict[str, Any]:
    query = urlencode(view.params, doseq=True)
    return {
        "id": view.pk,
        "name": view.name,
        "params": view.params,
        "shared": view.shared,
        "author": view.user.email,
        "mine": view.user_id == _user(request).pk,
        "url": f"{reverse('clients:list')}?{query}" if query else reverse("clients:list"),
    }


@saved_views_router.get(
    "",
    response={200: SavedViewList, **LIST_ERRORS},
    summary="List saved views",
    description="Your own views and those shared with the organization.",
)
def list_views(request: HttpRequest) -> Any:
    views = services.visible_views(_organization(request), _user(request))
    return _json({"items": [_view_data(v, request) for v in views]})


@saved_views_router.post(
    "",
    response={201: SavedViewOut, **WRITE_ERRORS},
    summary="Save a view",
    description="`params` are the client list's parameters (`q`, `tag`, `sort`, `cf_<slug>`…), "
    "checked like the list checks them.",
)
def create_view(request: HttpRequest, payload: SavedViewIn) -> Any:
    view = services.save_view(
        _organization(request), _user(request), payload.name, payload.params, shared=payload.shared
    )
    return _created(_view_data(view, request), request)


@saved_views_router.get(
    "/{view_id}", response={200: SavedViewOut, **READ_ERRORS}, summary="Read a saved view"
)
def get_view(request: HttpRequest, view_id: int) -> Any:
    view = services.get_saved_view(_organization(request), _user(request), view_id)
    return _json(_view_data(view, request))


@saved_views_router.patch(
    "/{view_id}",
    response={200: SavedViewOut, **WRITE_ERRORS},
    summary="Change a saved view",
    description="Only its author, or an administrator for a shared view.",
)
def update_view(request: HttpRequest, view_id: int, payload: SavedViewPatch) -> Any:
    view = services.update_view(
        _organization(request),
        _user(request),
        view_id,
        payload.dict(exclude_unset=True),
        is_admin=_is_admin(request),
    )
    return _json(_view_data(view, request))


@saved_views_router.delete(
    "/{view_id}",
    response={204: None, **STATE_ERRORS},
    summary="Delete a saved view",
    description="Only its author, or an administrator for a shared view.",
)
def delete_view(request: HttpRequest, view_id: int) -> Any:
    services.delete_view(
        _organization(request), _user(request), view_id, is_admin=_is_admin(request)
    )
    return HttpResponse(status=204)
