"""Sources: what a change or siege cites."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapapp.models import (
    Source,
)


@transaction.atomic
def source_create(
    *, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    source = Source(url=url, title=title.strip(), publisher=publisher.strip(), published=published, quote=quote)
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def source_get_or_create(
    *, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    """The source with this URL and quote (or, without a URL, this title, publisher, date and quote) if the
    record has it already, else a new one: the same article cited by ten changes is one source."""
    title, url, publisher, quote = title.strip(), url.strip(), publisher.strip(), quote.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("a source needs a title (the headline of the article or report)")
    if published is not None and (isinstance(published, dt.datetime) or not isinstance(published, dt.date)):
        errors["published"] = _("the publication date must be a date (YYYY-MM-DD)")
    elif published is not None and published > timezone.now().date():
        errors["published"] = _("the publication date %(date)s is in the future") % {"date": published.isoformat()}
    if errors:
        raise ValidationError(errors)
    same = Source.objects.filter(quote=quote)
    same = same.filter(url=url) if url else same.filter(url="", title=title, publisher=publisher, published=published)
    existing = same.order_by("id").first()
    if existing is not None:
        return existing
    return source_create(title=title, url=url, publisher=publisher, published=published, quote=quote)


@transaction.atomic
def source_update(
    *, source: Source, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    """Correct a source (a typo in its title, a better URL). Every change citing it cites the corrected one."""
    if not title.strip():
        raise ValidationError({"title": _("a source needs a title (the headline of the article or report)")})
    source.title, source.url, source.publisher = title.strip(), url.strip(), publisher.strip()
    source.published, source.quote = published, quote.strip()
    source.full_clean()
    source.save()  # the maps whose published changes cite it move on (mapapp/versioning.py)
    return source
