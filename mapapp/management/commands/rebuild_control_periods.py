from django.core.management.base import BaseCommand
from django.db import transaction

from mapapp import versioning
from mapapp.models import Map
from mapapp.services import control_periods_rebuild, map_derived_rebuild


class Command(BaseCommand):
    help = (
        "Derive every control period again from the published control changes, and every map's front segments "
        "and pocket pieces from the periods and edges (run once after migrating to 0012_derived_fronts_pockets)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = control_periods_rebuild(places=None)
            segments = pieces = 0
            for map_ in Map.objects.order_by("pk"):
                made = map_derived_rebuild(map=map_)
                segments, pieces = segments + made[0], pieces + made[1]
            # Derived rows are written in bulk, past the model signals: every map may show something new.
            versioning.maps_bump()
        self.stdout.write(
            self.style.SUCCESS(f"rebuilt {count} control periods, {segments} front segments, {pieces} pocket pieces")
        )
