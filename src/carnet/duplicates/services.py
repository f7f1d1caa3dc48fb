"""Finding duplicates: scanning an organization's clients, the groups to review, the pairs
people dismissed, and the likely duplicates of a client being created.

The comparison itself is ``detection`` (pure, no database); this module reads the clients
for it and keeps what it finds. Merging is ``merging``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carnet.accounts.models import Organization, User
from carnet.addresses.models import Address
from carnet.clients.models import Client
from carnet.core.errors import NotFound
from carnet.core.ids import parse_id
from carnet.jobs import progress as job_progress

from . import detection
from .models import Dismissal, DuplicateGroup

CHUNK = 20_000
# What a likely duplicate of a new client is looked for by, at most this many candidates.
MAX_CANDIDATES = 200

REASON_LABELS = {
    "same_email": _("même e-mail"),
    "same_siret": _("même SIRET"),
    "same_vat_number": _("même n° de TVA"),
    "same_siren": _("même SIREN (autre établissement)"),
    "same_phone": _("même téléphone"),
    "similar_name": _("nom très proche, même ville ou code postal"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


# --- Reading clients --------------------------------------------------------------------
def candidates(
    organization: Organization, reporter: job_progress.Reporter | None = None
) -> Iterator[detection.Candidate]:
    """Every client of the organization that is not in the trash (archived ones too: a
    new record may duplicate an archived one), with its default billing address's
    postcode and city, read by chunks."""
    client_table = Client._meta.db_table
    address_table = Address._meta.db_table
    total = Client.objects.filter(organization=organization, deleted_at__isnull=True).count()
    done = 0
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, c.kind, c.name, c.email, c.siret, c.siren, c.vat_number, c.phone, "
                f"c.mobile, a.postcode, a.city FROM {client_table} c "
                f"LEFT JOIN {address_table} a ON a.client_id = c.id AND a.is_billing "
                f"WHERE c.organization_id = %s AND c.deleted_at IS NULL AND c.id > %s "
                f"ORDER BY c.id LIMIT {CHUNK}",
                [organization.pk, last],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        for pk, kind, name, email, siret, siren, vat, phone, mobile, postcode, city in rows:
            yield detection.Candidate(
                id=pk,
                kind=kind,
                name=name,
                email=email,
                siret=siret,
                siren=siren,
                vat_number=vat,
                phones=tuple(p for p in (phone, mobile) if p),
                postcode=postcode or "",
                city=city or "",
            )
        last = rows[-1][0]
        done += len(rows)
        if reporter is not None:
            reporter.check()
            reporter.update(done=done, total=total, fraction=done / max(total, 1) * 0.8)


def dismissed_pairs(organization: Organization) -> set[tuple[int, int]]:
    return set(
        Dismissal.objects.filter(organization=organization).values_list("first_id", "second_id")
    )


def _pair_data(pair: detection.Pair) -> dict[str, Any]:
    return {
        "first": pair.first,
        "second": pair.second,
        "score": pair.score,
        "exact": pair.exact,
        "reasons": [{"code": r.code, "detail": r.detail} for r in pair.reasons],
    }


# --- Scanning ---------------------------------------------------------------------------
def scan(
    organization: Organization, reporter: job_progress.Reporter | None = None
) -> dict[str, int]:
    """Compare every client with the others and keep the groups found (replacing the last
    scan's); dismissed pairs never link two clients."""
    reporter = reporter or job_progress.Reporter(None)
    reporter.update(phase="scan", fraction=0.0, force=True)
    pairs = detection.find_pairs(candidates(organization, reporter))
    groups = detection.group_pairs(pairs, dismissed=dismissed_pairs(organization))
    reporter.update(fraction=0.9, phase="save", force=True)
    with transaction.atomic():
        DuplicateGroup.objects.filter(organization=organization).delete()
        DuplicateGroup.objects.bulk_create(
            (
                DuplicateGroup(
                    organization=organization,
                    members=group.members,
                    score=group.score,
                    exact=any(p.exact for p in group.pairs),
                    pairs=[_pair_data(p) for p in group.pairs],
                )
                for group in groups
            ),
            batch_size=2000,
        )
    return {
        "groups": len(groups),
        "pairs": sum(len(g.pairs) for g in groups),
        "clients": sum(len(g.members) for g in groups),
    }


def _run_scan(job: Any, reporter: job_progress.Reporter) -> dict[str, Any]:
    return scan(job.organization, reporter)


def register_jobs() -> None:
    from carnet.jobs.services import register_handler

    register_handler("duplicates_scan", _run_scan)


register_jobs()


# --- Reviewing --------------------------------------------------------------------------
def last_scan(organization: Organization) -> Any:
    """When the groups were found (None before the first scan)."""
    group = DuplicateGroup.objects.filter(organization=organization).order_by("-created_at").first()
    return group.created_at if group else None


def review_groups(
    organization: Organization, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The groups to review, most certain first, with their members as they are now:
    clients merged, trashed or dismissed since the scan drop out, and a group left with
    fewer than two members is not shown."""
    dismissed = dismissed_pairs(organization)
    groups = list(
        DuplicateGroup.objects.filter(organization=organization).order_by("-score", "id")[
            offset : offset + limit * 2
        ]
    )
    ids = {pk for group in groups for pk in group.members}
    clients = {
        c.pk: c
        for c in Client.objects.filter(
            organization=organization, pk__in=ids, deleted_at__isnull=True
        ).select_related("category")
    }
    cities = dict(
        Address.objects.filter(
            organization=organization, client_id__in=ids, is_billing=True
        ).values_list("client_id", "city")
    )
    result = []
    for group in groups:
        members = [clients[pk] for pk in group.members if pk in clients]
        pairs = [
            p
            for p in group.pairs
            if p["first"] in clients
            and p["second"] in clients
            and (p["first"], p["second"]) not in dismissed
        ]
        if len(members) < 2 or not pairs:
            continue
        result.append(
            {
                "group": group,
                "members": members,
                "cities": {pk: cities.get(pk, "") for pk in group.members},
                "pairs": pairs,
            }
        )
        if len(result) >= limit:
            break
    return result


def get_group(organization: Organization, group_id: Any) -> DuplicateGroup:
    pk = parse_id(group_id)
    group = DuplicateGroup.objects.filter(organization=organization, pk=pk).first() if pk else None
    if group is None:
        raise NotFound(_("Groupe de doublons introuvable."))
    return group


@transaction.atomic
def dismiss_group(organization: Organization, user: User | None, group_id: Any) -> None:
    """ "Ce ne sont pas des doublons": every pair of the group is remembered as different,
    and the group leaves the review."""
    group = get_group(organization, group_id)
    pairs = {
        detection.pair_key(a, b)
        for i, a in enumerate(group.members)
        for b in group.members[i + 1 :]
    }
    existing = dismissed_pairs(organization)
    Dismissal.objects.bulk_create(
        [
            Dismissal(
                organization=organization,
                first_id=first,
                second_id=second,
                created_by=user if user is not None and user.pk else None,
            )
            for first, second in sorted(pairs - existing)
        ]
    )
    group.delete()


# --- Likely duplicates of a new client ---------------------------------------------------
def likely_duplicates(
    organization: Organization, client: Client, *, postcode: str = "", city: str = ""
) -> list[dict[str, Any]]:
    """The clients (archived ones included) a just-created client looks like, most certain
    first: ``[{"client": id, "name", "archived", "score", "reasons": [codes]}]``."""
    condition = Q()
    if client.siren:
        condition |= Q(siren=client.siren)
    if client.vat_number:
        condition |= Q(vat_number=client.vat_number)
    for phone in (client.phone, client.mobile):
        if phone:
            condition |= Q(phone=phone) | Q(mobile=phone)
    core = detection.normalize_name(client.name)
    words = [w for w in core.split() if len(w) >= 3]
    if words:
        # Clients whose name holds the name's longest word, found as the list's search
        # finds them (through the trigram index).
        from carnet.clients import queries

        spec = queries.ClientFilter.from_params(
            {"q": max(words, key=len), "archived": "all", "limit": "50"},
            organization=organization,
        )
        condition |= Q(pk__in=queries.page_ids(organization, spec))
    if not condition:
        return []
    others = list(
        Client.objects.filter(condition, organization=organization, deleted_at__isnull=True)
        .exclude(pk=client.pk)
        .order_by("id")[:MAX_CANDIDATES]
    )
    if not others:
        return []
    billing = {
        row[0]: row[1:]
        for row in Address.objects.filter(
            organization=organization, client_id__in=[o.pk for o in others], is_billing=True
        ).values_list("client_id", "postcode", "city")
    }
    me = _candidate(client, postcode, city)
    found: list[dict[str, Any]] = []
    for other in others:
        postcode_other, city_other = billing.get(other.pk, ("", ""))
        pair = detection.score_pair(me, _candidate(other, postcode_other, city_other))
        if pair is None:
            continue
        found.append(
            {
                "client": other.pk,
                "name": other.name,
                "reference": other.reference,
                "archived": other.archived,
                "score": pair.score,
                "reasons": [r.code for r in pair.reasons],
            }
        )
    found.sort(key=lambda item: (-item["score"], item["client"]))
    return found[:10]


def _candidate(client: Client, postcode: str, city: str) -> detection.Candidate:
    return detection.Candidate(
        id=client.pk or 0,  # a client not saved yet
        kind=client.kind,
        name=client.name,
        email=client.email,
        siret=client.siret,
        siren=client.siren,
        vat_number=client.vat_number,
        phones=tuple(p for p in (client.phone, client.mobile) if p),
        postcode=postcode or "",
        city=city or "",
    )


def warnings_for(organization: Organization, client: Client) -> list[dict[str, Any]]:
    """The ``warnings`` of a creation's answer: its likely duplicates."""
    return [
        {
            "code": "likely_duplicate",
            "client": item["client"],
            "name": item["name"],
            "archived": item["archived"],
            "score": item["score"],
            "reasons": item["reasons"],
        }
        for item in likely_duplicates(organization, client)
    ]


def archived_lookalikes(organization: Organization, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The archived clients a client about to be created (from raw input) looks like;
    nothing when the input is not valid (the creation then says why)."""
    from carnet.clients.validation import clean_client_input
    from carnet.core.errors import ValidationFailed
    from carnet.customfields.queries import definitions_for

    try:
        values = clean_client_input(data, definitions=definitions_for(organization))
    except ValidationFailed:
        return []
    draft = Client(
        organization=organization,
        kind=values["kind"],
        name=values["name"],
        email=values["email"],
        siret=values["siret"],
        siren=values["siren"],
        vat_number=values["vat_number"],
        phone=values["phone"],
        mobile=values["mobile"],
    )
    return [item for item in likely_duplicates(organization, draft) if item["archived"]]
