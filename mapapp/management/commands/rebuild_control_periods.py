from django.core.management.base import BaseCommand

from mapapp.services import control_periods_rebuild


class Command(BaseCommand):
    help = "Derive every control period again from the published control changes."

    def handle(self, *args, **options):
        count = control_periods_rebuild(places=None)
        self.stdout.write(self.style.SUCCESS(f"rebuilt {count} control periods"))
