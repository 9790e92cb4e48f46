from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mapapp.backup import BackupError, backup_to


class Command(BaseCommand):
    help = (
        "Back up the whole database to PATH while the site runs: SpatiaLite with SQLite's online backup API (PATH "
        "is a database file), PostGIS with pg_dump (a custom-format archive). `restore PATH` brings it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a new file")

    def handle(self, *args, path: str, **options):
        try:
            backup_to(Path(path), shown=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backed up to {path}")
