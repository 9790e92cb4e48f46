from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mapapp.events.formats import FORMATS
from mapapp.models import Map
from mapapp.services import events_import_text


class Command(BaseCommand):
    help = (
        "Import events into a map from an ACLED export, a UCDP GED CSV or a plain CSV with named columns "
        "(see mapapp/events/formats.py). Re-importing updates events by their dataset id; rows outside the map's "
        "area or dates are skipped with a reason; any bad row stops the whole import, listed by line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file (UTF-8)")
        parser.add_argument("--map", required=True, dest="slug", help="the map's slug")
        parser.add_argument("--format", choices=FORMATS, help="default: guessed from the header")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--draft", action="store_true", help="new events as drafts for a reviewer")
        parser.add_argument("--show-skipped", action="store_true", help="list every skipped row with its reason")

    def handle(self, *args, path, slug, format, dry_run, draft, show_skipped, **options):
        map_ = Map.objects.filter(slug=slug).first()
        if map_ is None:
            raise CommandError(f"no map {slug!r}")
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"no file {path}") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text (byte {exc.start})") from None
        report = events_import_text(map=map_, text=text, format=format, dry_run=dry_run, publish=not draft)
        for line, message in report.errors:
            self.stderr.write(f"line {line}: {message}")
        if report.errors:
            raise CommandError(f"{path}: {report.summary()}")
        shown = report.skipped if show_skipped else report.skipped[:20]
        for line, reason in shown:
            self.stdout.write(f"line {line}: skipped: {reason}")
        if len(shown) < len(report.skipped):
            self.stdout.write(f"... and {len(report.skipped) - len(shown)} more skipped (--show-skipped lists all)")
        self.stdout.write(self.style.SUCCESS(f"{map_.slug}: {report.summary()}"))
