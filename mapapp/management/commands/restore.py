from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mapapp.backup import BackupError, restore_from


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `backup PATH` on the same kind of database: the record, "
        "its history, users and tokens as they were then; everything since is gone. Stop the site first, and "
        "start it again after (each process keeps a search index and caches of its own)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file made by `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, path: str, yes: bool, **options):
        if not yes and input(f"Replace the whole database with {path}? Type yes: ").strip() != "yes":
            raise CommandError("nothing restored")
        try:
            restore_from(Path(path), shown=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored from {path}")
