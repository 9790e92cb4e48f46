"""manage.py coarsen_zones --map SLUG: merge parts of one zone whose whole histories are identical."""

from django.core.management.base import BaseCommand, CommandError

from mapapp.models import Map
from mapapp.services import zones_coarsen


class Command(BaseCommand):
    help = "Merge the parts of one zone that share an edge and whose histories agree (the fewest zones)."

    def add_arguments(self, parser):
        parser.add_argument("--map", required=True, help="the map's slug")

    def handle(self, *args, map, **options):
        map_ = Map.objects.filter(slug=map).first()
        if map_ is None:
            raise CommandError(f"no map {map!r}")
        before = map_.places.count()
        lost = zones_coarsen(map=map_)
        self.stdout.write(f"{map}: {before} zones -> {before - lost} ({lost} merged back)")
