from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from mapapp import versioning
from mapapp.models import Map
from mapapp.services import zone_edges_rebuild


class Command(BaseCommand):
    help = "Derive the shared edges (ZoneEdge) of every map's zones again from their footprints."

    def add_arguments(self, parser):
        parser.add_argument("--map", dest="slugs", action="append", default=[], help="only this map (repeatable)")

    def handle(self, *args, slugs, **options):
        maps = Map.objects.order_by("slug")
        if slugs:
            maps = maps.filter(slug__in=slugs)
            missing = sorted(set(slugs) - set(maps.values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"no map {missing[0]!r}")
        for map_ in maps:
            with transaction.atomic():
                count = zone_edges_rebuild(map=map_)
                # Derived rows are written in bulk, past the model signals (mapapp/versioning.py).
                versioning.maps_bump(Q(pk=map_.pk))
            self.stdout.write(f"{map_.slug}: {count} edges")
        self.stdout.write(self.style.SUCCESS("zone edges rebuilt"))
