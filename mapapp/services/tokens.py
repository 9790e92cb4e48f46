"""Write-API tokens: made once, stored as a hash, looked up per request; they expire and can be revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from mapapp.models import ApiToken


class TokenRefused(Exception):
    """A token that does not authenticate, with the reason a script's author can act on."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.message = message
        self.status = status


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new write-API token for `user`, valid for `days` (default settings.API_TOKEN_DAYS). Returns (token,
    key); the key is shown once and only its SHA-256 is stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("give the token a name (what script uses it)")})
    if not user.is_active:
        raise ValidationError({"user": _("%(user)s is not an active user") % {"user": user.get_username()}})
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValidationError({"days": _("a token must be valid for at least one day")})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=_token_hash(key), expires_at=timezone.now() + dt.timedelta(days=days)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token from now on; the row stays, so the list still says who had it and when it stopped."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(*, key: str):
    """The user a token key stands for, checked afresh on every request: the token is neither revoked nor
    expired, and its user is active and staff (unticking "staff status" ends API access too, as it ends the
    admin's). Notes the time of use. Raises TokenRefused saying why not; what the user may do is then their
    groups' permissions, also read afresh per request."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first() if key else None
    if token is None:
        raise TokenRefused(_("this API token is not valid"))
    now = timezone.now()
    state = token.state(now)
    if state == "revoked":
        raise TokenRefused(_("this API token was revoked; ask for a new one"))
    if state == "expired":
        when = formats.date_format(token.expires_at, "Y-m-d")
        raise TokenRefused(_("this API token expired on %(date)s; ask for a new one") % {"date": when})
    if not token.user.is_active:
        raise TokenRefused(_("this API token's user is inactive"))
    if not token.user.is_staff:
        raise TokenRefused(_("this API token's user is not staff (no editor or reviewer access)"), status=403)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
