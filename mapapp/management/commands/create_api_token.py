from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a write-API token for a user and print its key (shown once; only its hash is kept); the same as "
        "`api_tokens --create USERNAME`. Scripts send it as the header `Authorization: Token <key>`; they can do "
        "what the user's groups allow, while the user is staff and until the token expires or is revoked."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="what the token is for (default: script)")
        parser.add_argument("--days", type=int, help="days it stays valid (default API_TOKEN_DAYS)")

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        extra = ["--days", str(days)] if days is not None else []
        call_command("api_tokens", "--create", username, "--name", name, *extra, stdout=self.stdout, stderr=self.stderr)
