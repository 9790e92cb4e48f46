from django.core.management.base import BaseCommand

from gazetteer.services import place_names_rekey


class Command(BaseCommand):
    help = "Recompute every place name's search key (after a change to gazetteer.normalize)."

    def handle(self, *args, **options):
        changed, total = place_names_rekey()
        self.stdout.write(f"{changed} of {total} search keys changed")
