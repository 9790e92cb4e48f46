"""Sources: what a change or siege cites."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mapapp.models import (
    Source,
)


def _source_problems(*, url: str, quote: str) -> dict[str, str]:
    """What the record refuses in any source: a link that is not a web page's (ftp:, javascript:, file:), a
    quote longer than settings.SOURCE_QUOTE_MAX_CHARS (a quote is a passage, not the article)."""
    problems = {}
    # A URL without a scheme ("not a url") is left to the field's own check, which says "Enter a valid URL."
    if urlsplit(url).scheme and urlsplit(url).scheme.lower() not in ("http", "https"):
        problems["url"] = _("the URL must be a web address starting with http:// or https://, got %(url)s") % {
            "url": repr(url[:100])
        }
    if len(quote) > settings.SOURCE_QUOTE_MAX_CHARS:
        problems["quote"] = _("the quote is too long (%(count)s characters; at most %(limit)s)") % {
            "count": len(quote),
            "limit": settings.SOURCE_QUOTE_MAX_CHARS,
        }
    return problems


@transaction.atomic
def source_create(
    *, title: str, url: str = "", publisher: str = "", published: dt.date | None = None, quote: str = ""
) -> Source:
    problems = _source_problems(url=url.strip(), quote=quote.strip())
    if problems:
        raise ValidationError(problems)
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
    errors = {**errors, **_source_problems(url=url, quote=quote)}
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
    problems = _source_problems(url=url.strip(), quote=quote.strip())
    if problems:
        raise ValidationError(problems)
    source.title, source.url, source.publisher = title.strip(), url.strip(), publisher.strip()
    source.published, source.quote = published, quote.strip()
    source.full_clean()
    source.save()  # the maps whose published changes cite it move on (mapapp/versioning.py)
    return source
