"""``carnet import clients`` and ``carnet export clients``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.files import File
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carnet.accounts.cli import get_member, get_organization
from carnet.core.cli import CommandError, add_command, add_group, add_org_argument
from carnet.jobs.progress import Snapshot

from . import export, report, services
from .models import ImportBatch, ImportKey, SavedMapping, Status


def register(subparsers: Any) -> None:
    group = add_group(subparsers, "import", help=_("importer des données"))
    command = add_command(
        group,
        "clients",
        _import_clients,
        help=_("importer un fichier de clients (CSV ou XLSX)"),
        description=_(
            "Lit un fichier CSV ou XLSX, associe ses colonnes à celles de Carnet, vérifie "
            "chaque ligne et enregistre les lignes valides en une seule transaction (toutes "
            "ou aucune). La dernière ligne affichée donne les totaux : created=N updated=N "
            "unchanged=N rejected=N."
        ),
    )
    command.add_argument("file", metavar="FICHIER", help=_("fichier CSV ou XLSX"))
    add_org_argument(command)
    command.add_argument(
        "--dry-run", action="store_true", help=_("vérifier seulement, sans rien enregistrer")
    )
    command.add_argument(
        "--errors",
        metavar="RAPPORT",
        help=_("écrire les lignes refusées et leurs erreurs (CSV ou XLSX)"),
    )
    command.add_argument(
        "--key",
        choices=[k for k in ImportKey.values if k],
        help=_(
            "colonne qui désigne le client à mettre à jour "
            "(id, reference, siret, vat_number, email)"
        ),
    )
    command.add_argument("--no-key", action="store_true", help=_("créer chaque ligne"))
    command.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="EN-TÊTE=COLONNE",
        help=_(
            "associer une colonne du fichier à une colonne de Carnet "
            "(répétable ; COLONNE vide pour l'ignorer)"
        ),
    )
    command.add_argument(
        "--mapping", metavar="NOM", help=_("correspondance enregistrée à utiliser")
    )
    command.add_argument("--encoding", help=_("encodage du fichier CSV (détecté sinon)"))
    command.add_argument("--delimiter", help=_("séparateur du fichier CSV (détecté sinon)"))
    command.add_argument("--sheet", help=_("feuille du classeur XLSX (la première sinon)"))
    command.add_argument(
        "--clear-blanks",
        action="store_true",
        help=_("une cellule vide efface la valeur du client (sinon elle la garde)"),
    )
    command.add_argument("--user", metavar="EMAIL", help=_("membre au nom duquel importer"))
    command.add_argument("--quiet", action="store_true", help=_("sans barre de progression"))

    export_group = add_group(subparsers, "export", help=_("exporter des données"))
    exporting = add_command(
        export_group,
        "clients",
        _export_clients,
        help=_("exporter les clients (CSV ou XLSX)"),
        description=_(
            "Écrit tous les clients de l'organisation, avec chaque champ, dans un fichier "
            "que Carnet sait réimporter."
        ),
    )
    add_org_argument(exporting)
    exporting.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    exporting.add_argument("--output", required=True, metavar="FICHIER")
    exporting.add_argument(
        "--archived", action="store_true", help=_("inclure les clients archivés")
    )
    exporting.add_argument(
        "--delimiter",
        choices=[";", ","],
        default=";",
        help=_("séparateur CSV (« ; » par défaut, pour Excel en français)"),
    )


class _ProgressBar:
    """A progress bar on standard error (tqdm), or nothing when it is not a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.bar: Any = None
        self.phase = ""
        self.quiet = quiet or not sys.stderr.isatty()

    def __call__(self, snapshot: Snapshot) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        if snapshot.phase != self.phase:
            self.close()
            self.phase = snapshot.phase
            label = {"preview": _("Vérification"), "commit": _("Import")}.get(snapshot.phase, "")
            if not label:
                return
            self.bar = tqdm(total=100, desc=label, unit="%", file=sys.stderr, leave=False)
        if self.bar is not None:
            self.bar.update(max(0, int(snapshot.fraction * 100) - self.bar.n))
            self.bar.set_postfix_str(
                ngettext("%(count)s ligne", "%(count)s lignes", snapshot.done)
                % {"count": snapshot.done}
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _mapping_overrides(batch: ImportBatch, pairs: list[str]) -> dict[str, str | None]:
    mapping: dict[str, str | None] = {}
    for pair in pairs:
        header, separator, key = pair.partition("=")
        if not separator:
            raise CommandError(
                _("--map attend EN-TÊTE=COLONNE, pas « %(value)s ».") % {"value": pair}
            )
        mapping[header.strip()] = key.strip() or None
    return mapping


def _import_clients(args: argparse.Namespace) -> int:
    organization = get_organization(args.org)
    user = get_member(organization, args.user) if args.user else None
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(_("Fichier introuvable : %(path)s") % {"path": args.file})
    saved = None
    if args.mapping:
        saved = SavedMapping.objects.filter(
            organization=organization, name__iexact=args.mapping
        ).first()
        if saved is None:
            raise CommandError(
                _("Aucune correspondance enregistrée ne s'appelle « %(name)s ».")
                % {"name": args.mapping}
            )
    key = "" if args.no_key else args.key
    bar = _ProgressBar(args.quiet)
    with path.open("rb") as handle:
        batch = services.start_import(
            organization,
            user,
            File(handle, name=path.name),
            filename=path.name,
            source="cli",
            key=key if not args.map else None,
            encoding=args.encoding,
            delimiter=args.delimiter,
            sheet=args.sheet,
            clear_blanks=args.clear_blanks,
            saved_mapping=saved.pk if saved else None,
            preview=False,
        )
    if args.map:
        mapping = dict(zip(batch.header, batch.mapping, strict=False))
        mapping.update(_mapping_overrides(batch, args.map))
        batch = _remap(batch, mapping, key)
    _describe(batch)
    step = "preview" if args.dry_run else "commit"
    if args.dry_run and batch.status == Status.READY:
        batch.status = Status.UPLOADED
        batch.save(update_fields=["status"])
    try:
        batch = services.schedule(batch, step, user, now=True, on_update=bar)
    finally:
        bar.close()
    counts = batch.counts or {}
    if args.errors:
        written = report.write_report(batch, Path(args.errors))
        print(
            ngettext(
                "%(count)d ligne refusée écrite dans %(path)s",
                "%(count)d lignes refusées écrites dans %(path)s",
                written,
            )
            % {"count": written, "path": args.errors}
        )
    if batch.status not in (Status.READY, Status.COMMITTED):
        raise CommandError(batch.error or _("L'import n'a pas abouti."), exit_code=1)
    print(
        f"created={counts.get('create', 0)} updated={counts.get('update', 0)} "
        f"unchanged={counts.get('unchanged', 0)} rejected={counts.get('error', 0)}"
    )
    return 0


def _remap(batch: ImportBatch, mapping: dict[str, str | None], key: str | None) -> ImportBatch:
    from .headers import normalize_header

    by_header = {normalize_header(h): v for h, v in mapping.items()}
    wanted = [
        by_header.get(normalize_header(h), m)
        for h, m in zip(batch.header, batch.mapping, strict=False)
    ]
    columns = services.columns_of(batch.organization)
    batch.mapping = services._clean_mapping(wanted, batch.header, columns)
    batch.key = services._initial_key(batch.mapping, key, None, batch.organization)
    batch.save(update_fields=["mapping", "key"])
    services._check_mapping(batch, columns)
    return batch


def _describe(batch: ImportBatch) -> None:
    info = batch.info
    if info.get("format") == "xlsx":
        print(_("Classeur XLSX, feuille « %(sheet)s »") % {"sheet": info.get("sheet")})
    else:
        delimiter = {"\t": _("tabulation")}.get(info.get("delimiter") or "", info.get("delimiter"))
        print(
            _("Fichier CSV, encodage %(encoding)s, séparateur « %(delimiter)s »")
            % {"encoding": info.get("encoding"), "delimiter": delimiter}
        )
    columns = {c.key: c.label for c in services.columns_of(batch.organization)}
    ignored = []
    for header, key in zip(batch.header, batch.mapping, strict=False):
        if key:
            print(f"  {header} → {columns.get(key, key)}")
        else:
            ignored.append(header or "?")
    if ignored:
        print(_("Colonnes ignorées : %(columns)s") % {"columns": ", ".join(ignored)})
    print(
        _("Clé de mise à jour : %(key)s")
        % {
            "key": services.describe_key(batch.key)
            if batch.key
            else _("aucune (chaque ligne crée un client)")
        }
    )


def _export_clients(args: argparse.Namespace) -> int:
    organization = get_organization(args.org)
    output = Path(args.output)
    try:
        if args.format == "xlsx":
            export.export_xlsx(organization, output, archived=args.archived)
        else:
            with output.open("wb") as handle:
                for chunk in export.export_csv(
                    organization, delimiter=args.delimiter, archived=args.archived
                ):
                    handle.write(chunk)
    except OSError as exc:
        raise CommandError(
            _("Impossible d'écrire %(path)s : %(error)s")
            % {"path": args.output, "error": exc.strerror}
        ) from None
    print(_("Clients exportés dans %(path)s") % {"path": args.output})
    return 0
