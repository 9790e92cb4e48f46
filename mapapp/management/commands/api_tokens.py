from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mapapp.models import ApiToken
from mapapp.services import api_token_create, api_token_revoke


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = (
        "Write-API tokens: --list them (with expiry, last use and state), --revoke ID, or --create USERNAME "
        "(the key is printed once; only its hash is kept)."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--list", action="store_true", help="every token, newest first")
        action.add_argument("--revoke", type=int, metavar="ID", help="revoke the token with this id (see --list)")
        action.add_argument("--create", metavar="USERNAME", help="a new token for this user")
        parser.add_argument("--user", help="with --list: only this user's tokens")
        parser.add_argument("--name", default="script", help="with --create: what the token is for")
        parser.add_argument("--days", type=int, help="with --create: days it stays valid (default API_TOKEN_DAYS)")

    def handle(self, *args, **options):
        if options["list"]:
            self._list(options["user"])
        elif options["revoke"] is not None:
            token = ApiToken.objects.select_related("user").filter(pk=options["revoke"]).first()
            if token is None:
                raise CommandError(f"no token with id {options['revoke']}")
            api_token_revoke(token=token)
            self.stdout.write(f"revoked token {token.pk} ({token.user} / {token.name})")
        else:
            self._create(options["create"], options["name"], options["days"])

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
        if username:
            tokens = tokens.filter(user__username=username)
        now = timezone.now()
        self.stdout.write("id\tuser\tname\tcreated\texpires\tlast used\tstate")
        for token in tokens:
            row = [str(token.pk), token.user.get_username(), token.name, _when(token.created_at)]
            row += [_when(token.expires_at), _when(token.last_used_at), token.state(now)]
            self.stdout.write("\t".join(row))

    def _create(self, username: str, name: str, days: int | None) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            token, key = api_token_create(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if not user.is_staff:
            self.stderr.write(f"note: {username} is not staff; the API will refuse the token (403)")
        elif not (user.has_perm("mapapp.add_controlchange") or user.is_superuser):
            self.stderr.write(f"note: {username} is in neither Editors nor Reviewers; the API will refuse them (403)")
        self.stderr.write(f"token {token.pk}, valid until {_when(token.expires_at)} UTC")
        self.stdout.write(key)
