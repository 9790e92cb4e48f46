"""manage.py map_create: a map over an area, from files, without code (docs/contract.md)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gazetteer import index as name_index
from gazetteer.importer import ImportFileError, read_area
from mapapp import services
from mapapp.lib.params import DateFormatError, UnrealDateError, parse_date
from mapapp.models import ZoneEdge

ACTOR = re.compile(r"^(?P<slug>[-a-z0-9_]+):(?P<name>[^:]+):(?P<color>#[0-9a-fA-F]{6})$")


def _date(value: str, option: str):
    try:
        return parse_date(value)
    except (DateFormatError, UnrealDateError):
        raise CommandError(f"{option} must be a real date written YYYY-MM-DD, got {value!r}") from None


def _actor_spec(value: str) -> tuple[str, str, str]:
    match = ACTOR.match(value)
    if match is None:
        raise CommandError(f"--actor must look like slug:Name:#rrggbb (e.g. army:Syrian Army:#c0392b), got {value!r}")
    return match["slug"], match["name"].strip(), match["color"]


class Command(BaseCommand):
    help = (
        "Create a map over an area (a polygon file: GeoJSON, GeoPackage, KML/KMZ, shapefile or zipped shapefile) "
        "that starts as one zone, the area itself, or as the zones of --zones (a polygon file, imported as places). "
        "Actors are created when new. An existing slug is refused unless --replace. Nothing is written on a refusal."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--title", required=True, help="the map's title (English)")
        parser.add_argument("--title-ar", default="", help="the map's title in Arabic")
        parser.add_argument("--start", required=True, help="first day the map shows (YYYY-MM-DD)")
        parser.add_argument("--end", required=True, help="last day the map shows (YYYY-MM-DD)")
        parser.add_argument("--area", required=True, help="a polygon file: the ground the map covers")
        parser.add_argument("--zones", help="a polygon file of zones (named features), imported as places")
        parser.add_argument(
            "--actor", action="append", default=[], help="slug:Name:#rrggbb, created when new (repeat for each)"
        )
        parser.add_argument("--replace", action="store_true", help="give an existing map of this slug these settings")

    def handle(self, *args, slug, title, title_ar, start, end, area, zones, actor, replace, **options):
        start_date, end_date = _date(start, "--start"), _date(end, "--end")
        specs = [_actor_spec(value) for value in actor]
        try:
            shape = read_area(area)
        except ImportFileError as exc:
            raise CommandError(f"--area {exc}") from None
        try:
            with transaction.atomic():  # actors, zones and the map: all or nothing
                actors = services.actors_ensure(specs=specs)
                places = services.map_zones_import(path=zones) if zones else None
                map_ = services.map_create_over(
                    slug=slug,
                    title_en=title,
                    title_ar=title_ar,
                    start=start_date,
                    end=end_date,
                    area=shape,
                    zones=places,
                    actors=actors,
                    replace=replace,
                )
        except ValidationError as exc:
            name_index.invalidate()  # the search index may have seen places the rollback removed
            field, messages = next(iter(exc.message_dict.items())) if hasattr(exc, "error_dict") else ("", exc.messages)
            option = {"slug": "SLUG", "zones": "--zones", "area": "--area", "color": "--actor"}.get(field, field)
            raise CommandError(f"{option}: {messages[0]}" if option and option != "__all__" else messages[0]) from None
        edges = ZoneEdge.objects.filter(map=map_).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{map_.slug}: {map_.places.count()} zones, {edges} edges, {map_.actors.count()} actors, "
                f"{map_.start}..{map_.end}"
            )
        )
