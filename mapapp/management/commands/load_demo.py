from django.core.management.base import BaseCommand
from django.db import transaction

from mapapp.demo.loader import SLUG, load_demo
from mapapp.demo.reset import delete_record
from mapapp.models import Map


class Command(BaseCommand):
    help = "Load the Deir ez-Zor demo map (skipped when it is already there, unless --reset)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="delete the whole record first, then load")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        if Map.objects.filter(slug=SLUG).exists():
            if not reset:
                self.stdout.write(f"demo map {SLUG!r} already loaded; --reset to load it again")
                return
            delete_record()
        map_ = load_demo()
        self.stdout.write(self.style.SUCCESS(f"loaded {map_.slug}: {map_.places.count()} zones"))
