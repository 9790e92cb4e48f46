"""A map's changes as feeds: /maps/<slug>/feed.atom (Atom 1.0, RFC 4287) and /maps/<slug>/feed.json (JSON Feed
1.1). One entry per published change and one per correction of it (mapapp.publication), newest first, each
saying the date in effect, who holds what, the km², the sources, and linking to the map on that date and to the
change's page in the corrections log. `?place=<slug>`: only changes touching that place or its parts.

Conditional GET: the ETag is the body's hash (the feed changes when the record does, and when a publication delay
runs out), Last-Modified the newest entry's time; a matching If-None-Match or If-Modified-Since gets 304.
"""

from __future__ import annotations

import hashlib

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.http import http_date
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from gazetteer.models import Place
from mapapp import display, publication
from mapapp.api import get_map
from mapapp.lib.http import REVALIDATE, ApiError, api_view, etag_of, only
from mapapp.models import Actor, Map, Source

MAX_ENTRIES = 1000  # the newest; the corrections log lists every one

# An entry's title by the kind of event, in the feed's language (?lang=, or the reader's Accept-Language).
KIND_TITLES = {
    "published": "%(headline)s",
    "withdrawn": gettext_lazy("Withdrawn: %(headline)s"),
    "unpublished": gettext_lazy("Taken off the record: %(headline)s"),
    "restored": gettext_lazy("Restored: %(headline)s"),
    "corrected": gettext_lazy("Corrected: %(headline)s"),
}


def _local(name_en: str, name_ar: str) -> str:
    return name_ar if get_language() == "ar" and name_ar else name_en


def _holds(*, status: str, places: str, actor: str) -> str:
    if status == "held":
        return _("%(places)s held by %(actor)s") % {"places": places, "actor": actor}
    return _("%(places)s contested by %(actor)s") % {"places": places, "actor": actor}


def site() -> str:
    return settings.SITE_URL.rstrip("/")


def feed_entries(*, map: Map, place_slug: str | None = None) -> list[dict]:
    """The feed's entries as plain data, newest first (both formats are written from these)."""
    place_ids = None
    if place_slug is not None:
        place = Place.objects.filter(slug=place_slug).first()
        if place is None:
            raise ApiError(f"no place {place_slug!r}", "place")
        place_ids = publication.place_and_parts(place)
    events = publication.map_events(map=map, place_ids=place_ids)[::-1][:MAX_ENTRIES]
    actors = {actor.pk: actor for actor in Actor.objects.all()}
    place_rows = {
        pk: (slug, name_en, name_ar, area)
        for pk, slug, name_en, name_ar, area in Place.objects.filter(
            pk__in={pk for e in events for pk in e.place_ids}
        ).values_list("pk", "slug", "name_en", "name_ar", "area_km2")
    }
    sources = {s.pk: s for s in Source.objects.filter(pk__in={pk for e in events for pk in e.source_ids})}
    entries = []
    for event in events:
        actor = actors.get(event.actor_id)
        places = [place_rows[pk] for pk in event.place_ids if pk in place_rows]
        names = _(", ").join(_local(name, name_ar) for _slug, name, name_ar, _area in places)
        holds = _holds(status=event.status, places=names, actor=display.local_name(actor) if actor else "?")
        headline = f"{event.date.isoformat()}: {event.title or holds}"
        change_url = site() + reverse("change-page", args=[map.slug, event.change_id])
        entries.append(
            {
                "id": f"{change_url}#version-{event.version_id}",
                "kind": event.kind,
                "title": KIND_TITLES[event.kind] % {"headline": headline},
                "change": event.change_id,
                "siege": None,
                "version": event.version_id,
                "date": event.date.isoformat(),
                "published": event.public_at,
                "actor": actor.slug if actor else None,
                "actor_name": actor.name_en if actor else None,
                "status": event.status,
                "confidence": event.confidence,
                "places": [slug for slug, _name, _ar, _area in places],
                "summary": _("On %(date)s %(what)s (%(confidence)s confidence).")
                % {"date": event.date.isoformat(), "what": holds, "confidence": display.word(event.confidence)},
                "note": event.note,
                "reason": event.reason if event.is_correction else "",
                "area_km2": round(sum(area or 0.0 for *_rest, area in places), 4),
                "sources": [
                    {"title": sources[pk].title, "url": sources[pk].url, "publisher": sources[pk].publisher}
                    for pk in event.source_ids
                    if pk in sources
                ],
                "map_url": f"{site()}{reverse('map', args=[map.slug])}?date={event.date.isoformat()}",
                "url": change_url,
            }
        )
    if place_slug is None:
        entries += _siege_entries(map)
        entries.sort(key=lambda entry: (entry["published"], entry["version"]), reverse=True)
    return entries[:MAX_ENTRIES]


def _siege_entries(map: Map) -> list[dict]:
    """The sieges' publications and corrections (the demo's airdrops, say), in the same shape as the changes'."""
    log_url = site() + reverse("changes-log", args=[map.slug])
    entries = []
    for event in publication.siege_events(map=map):
        name = _local(event.name, event.name_ar)
        summary = _("%(siege)s, %(start)s to %(end)s.") % {
            "siege": name,
            "start": event.start.isoformat(),
            "end": event.end.isoformat() if event.end else _("now"),
        }
        summary += f" {event.reason}." if event.reason else ""
        entries.append(
            {
                "id": f"{log_url}#siege-{event.slug}-version-{event.version_id}",
                "kind": event.kind,
                "title": KIND_TITLES[event.kind] % {"headline": name},
                "change": None,
                "siege": event.slug,
                "version": event.version_id,
                "date": event.start.isoformat(),
                "published": event.public_at,
                "actor": None,
                "actor_name": None,
                "status": "besieged",
                "confidence": None,
                "places": [],
                "summary": summary,
                "note": "",
                "reason": event.reason if event.is_correction else "",
                "area_km2": None,
                "sources": [],
                "map_url": f"{site()}{reverse('map', args=[map.slug])}?date={event.start.isoformat()}",
                "url": f"{log_url}#siege-{event.slug}",
            }
        )
    return entries


def _html(entry: dict) -> str:
    """The entry as HTML for feed readers; every piece of the record is escaped (format_html)."""
    parts = [format_html("<p>{}</p>", entry["summary"])]
    if entry["reason"]:
        parts.append(format_html("<p>{}</p>", _("Reason given: %(reason)s") % {"reason": entry["reason"]}))
    if entry["note"]:
        parts.append(format_html("<p>{}</p>", entry["note"]))
    if entry["area_km2"] is not None:
        parts.append(format_html("<p>{}</p>", _("Area: %(area)s km²") % {"area": entry["area_km2"]}))
    if entry["sources"]:
        items = format_html_join(
            "",
            "<li>{}</li>",
            (
                (format_html('<a href="{}">{}</a>', s["url"], s["title"]) if s["url"] else s["title"],)
                for s in entry["sources"]
            ),
        )
        parts.append(format_html("<p>{}</p><ul>{}</ul>", _("Sources:"), items))
    the_map = _("The map on %(date)s") % {"date": entry["date"]}
    parts.append(format_html('<p><a href="{}">{}</a></p>', entry["map_url"], the_map))
    return "".join(parts)


def _feed_title(map: Map) -> str:
    return _("%(map)s: changes and corrections") % {"map": _local(map.title_en, map.title_ar)}


def atom(*, map: Map, entries: list[dict], feed_url: str) -> bytes:
    feed = Atom1Feed(
        title=_feed_title(map),
        link=site() + reverse("map", args=[map.slug]),
        description=_local(map.description_en, map.description_ar),
        language=get_language() or settings.LANGUAGE_CODE,
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    for entry in entries:
        feed.add_item(
            title=entry["title"],
            link=entry["url"],
            description=_html(entry),
            unique_id=entry["id"],
            pubdate=entry["published"],
            updateddate=entry["published"],
            categories=[entry["kind"], *(f"place:{slug}" for slug in entry["places"])],
        )
    return feed.writeString("utf-8").encode()


def json_feed(*, map: Map, entries: list[dict], feed_url: str) -> bytes:
    return orjson.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": _feed_title(map),
            "home_page_url": site() + reverse("map", args=[map.slug]),
            "feed_url": feed_url,
            "language": get_language() or settings.LANGUAGE_CODE,
            "items": [
                {
                    "id": entry["id"],
                    "url": entry["url"],
                    "external_url": entry["map_url"],
                    "title": entry["title"],
                    "content_html": _html(entry),
                    "content_text": entry["summary"],
                    "date_published": entry["published"].isoformat(),
                    "tags": [entry["kind"], *entry["places"]],
                    # JSON Feed extensions start with an underscore: the record itself, for scripts.
                    "_frontline": {
                        key: entry[key]
                        for key in (
                            "kind",
                            "change",
                            "siege",
                            "version",
                            "date",
                            "actor",
                            "status",
                            "confidence",
                            "places",
                            "area_km2",
                            "sources",
                            "reason",
                        )  # fmt: skip
                    },
                }
                for entry in entries
            ],
        }
    )


def _feed(request: HttpRequest, slug: str, write, content_type: str) -> HttpResponse:
    map_ = get_map(slug)
    entries = feed_entries(map=map_, place_slug=request.GET.get("place"))
    body = write(map=map_, entries=entries, feed_url=site() + request.get_full_path())
    etag = etag_of(hashlib.sha256(body).hexdigest())
    newest = max((entry["published"] for entry in entries), default=map_.created_at)
    last_modified = int(newest.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = REVALIDATE
    return response


@only("GET")
@api_view({"place", "lang"})
def feed_atom(request: HttpRequest, slug: str) -> HttpResponse:
    return _feed(request, slug, atom, "application/atom+xml; charset=utf-8")


@only("GET")
@api_view({"place", "lang"})
def feed_json(request: HttpRequest, slug: str) -> HttpResponse:
    return _feed(request, slug, json_feed, "application/feed+json")
