from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mapapp.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create a write-API token for a user and print its key (shown once; only its hash is kept). "
        "Scripts send it as the header `Authorization: Token <key>`; they can do what the user's groups allow."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="what the token is for (default: script)")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            _token, key = api_token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if not (user.has_perm("mapapp.add_controlchange") or user.is_superuser):
            self.stderr.write(f"note: {username} is in neither Editors nor Reviewers; the API will refuse them (403)")
        self.stdout.write(key)
