from django.core.management.base import BaseCommand
from django.db import transaction

from mapapp import versioning
from mapapp.services import control_periods_rebuild


class Command(BaseCommand):
    help = "Derive every control period again from the published control changes."

    def handle(self, *args, **options):
        with transaction.atomic():
            count = control_periods_rebuild(places=None)
            # Derived rows are written in bulk, past the model signals: every map may show something new.
            versioning.maps_bump()
        self.stdout.write(self.style.SUCCESS(f"rebuilt {count} control periods"))
