import datetime as dt
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gazetteer.models import Place
from mapapp.models import ControlChange, Map, Siege, ZoneEdge
from mapapp.synthetic import make_synthetic_map


class Command(BaseCommand):
    help = (
        "Create a synthetic map for benchmarks: Voronoi zones of real Syrian localities clipped to the country, "
        "with a seeded, invented control history and sieges (python manage.py make_synthetic_map --zones 5000; "
        "-v 2 prints the wall and CPU seconds of each phase)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--zones", type=int, default=5000, help="number of zones (default 5000)")
        parser.add_argument("--slug", default="syria-synthetic", help="map slug (default syria-synthetic)")
        parser.add_argument("--years", type=int, default=4, help="years of history (default 4)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--start", default="2014-01-01", help="first day of the history (default 2014-01-01)")
        parser.add_argument("--replace", action="store_true", help="delete the map and its zones first")

    def handle(self, *args, zones, slug, years, seed, start, replace, **options):
        try:
            start_date = dt.date.fromisoformat(start)
        except ValueError:
            raise CommandError(f"--start must be a date as YYYY-MM-DD, got {start!r}") from None
        if replace:
            self._delete(slug)
        began = time.perf_counter()

        def report(phase: str, wall: float, cpu: float, database_cpu: float | None) -> None:
            if options["verbosity"] >= 2:
                database = "" if database_cpu is None else f", {database_cpu:.1f} s in the database"
                self.stdout.write(f"  {phase}: {wall:.1f} s wall; CPU {cpu:.1f} s here{database}")

        try:
            map_ = make_synthetic_map(zones=zones, slug=slug, years=years, seed=seed, start=start_date, report=report)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        changes = ControlChange.objects.filter(places__maps=map_).distinct().count()
        sieges = Siege.objects.filter(siege_places__place__maps=map_).distinct().count()
        edges = ZoneEdge.objects.filter(map=map_).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{map_.slug}: {map_.places.count()} zones, {edges} edges, {changes} changes, {sieges} sieges, "
                f"{map_.start}..{map_.end}, in {time.perf_counter() - began:.1f} s"
            )
        )

    def _delete(self, slug: str) -> None:
        """Remove a synthetic map with its zones, their changes and sieges (benchmark data only)."""
        map_ = Map.objects.filter(slug=slug).first()
        if map_ is None:
            return
        with transaction.atomic():
            place_ids = list(map_.places.values_list("pk", flat=True))
            Siege.objects.filter(siege_places__place_id__in=place_ids).delete()
            ControlChange.objects.filter(places__in=place_ids).delete()
            map_.delete()
            Place.objects.filter(pk__in=place_ids, slug__startswith=f"{slug}-").delete()
