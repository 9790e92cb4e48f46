"""Write-API tokens: made once, stored as a hash, looked up per request."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapapp.models import (
    ApiToken,
)


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new write-API token for `user`. Returns (token, key); the key is shown once and only its SHA-256
    is stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("give the token a name (what script uses it)")})
    if not user.is_active:
        raise ValidationError({"user": _("%(user)s is not an active user") % {"user": user.get_username()}})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, key_hash=_token_hash(key))
    return token, key


def api_token_user(*, key: str):
    """The active user a token key belongs to (and note that it was used), or None."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
