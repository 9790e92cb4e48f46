"""The public corrections log: /maps/<slug>/changes/ lists every change the public has seen on the map, each with
its history of publication (published on, withdrawn on, restored on, corrected on, with the reason the reviewer
gave); /maps/<slug>/changes/<id>/ shows one change: the ground before and after it (two small map pictures from
the embed's picture endpoint) and its sources. Both honour the map's publication delay (mapapp.publication).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib.gis.db.models import Extent
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from gazetteer.models import Place
from mapapp import mapimage, publication
from mapapp.events.selectors import change_linked_events
from mapapp.lib.http import only
from mapapp.models import Actor, Map, Source

PICTURE = (360, 240)  # pixels of each before/after picture


def _map(slug: str) -> Map:
    map_ = Map.objects.public().filter(slug=slug).first()
    if map_ is None:
        raise Http404(f"no map {slug!r}")
    return map_


def _describe(events, actors, places) -> list[dict]:
    rows = []
    for event in events:
        actor = actors.get(event.actor_id)
        rows.append(
            {
                "event": event,
                "actor": actor,
                "places": [places[pk] for pk in event.place_ids if pk in places],
            }
        )
    return rows


@only("GET")
def changes_log(request: HttpRequest, slug: str) -> HttpResponse:
    map_ = _map(slug)
    events = publication.map_events(map=map_)
    by_change: dict[int, list] = defaultdict(list)
    for event in events:
        by_change[event.change_id].append(event)
    actors = {actor.pk: actor for actor in Actor.objects.all()}
    places = {p.pk: p for p in Place.objects.filter(pk__in={pk for e in events for pk in e.place_ids})}
    changes = []
    for change_id, history in by_change.items():
        latest = history[-1]
        changes.append(
            {
                "id": change_id,
                "latest": _describe([latest], actors, places)[0],
                "history": history,
                "public": latest.kind != "withdrawn" and latest.kind != "unpublished",
                "corrected": any(e.is_correction for e in history),
            }
        )
    changes.sort(key=lambda c: (c["latest"]["event"].date, c["id"]), reverse=True)
    siege_events = publication.siege_events(map=map_)
    sieges: dict[str, dict] = {}
    for event in siege_events:
        sieges.setdefault(event.slug, {"slug": event.slug, "name": event.name, "history": []})["history"].append(event)
    return render(
        request,
        "mapapp/changes_log.html",
        {
            "map": map_,
            "changes": changes,
            "sieges": sieges,
            "corrections": sum(1 for e in [*events, *siege_events] if e.is_correction),
            "feed_atom": reverse("feed-atom", args=[map_.slug]),
            "feed_json": reverse("feed-json", args=[map_.slug]),
        },
    )


def _picture_url(map_: Map, day: dt.date, bounds) -> str:
    day = min(max(day, map_.start), map_.end)
    width, height = PICTURE
    west, south, east, north = bounds
    zoom = max(1, mapimage.fit_zoom(bounds, width, height) - 1)  # one step out: the ground around it too
    center = f"{(south + north) / 2:.5f},{(west + east) / 2:.5f}"
    query = f"date={day.isoformat()}&width={width}&height={height}&zoom={zoom}&center={center}&legend=off"
    return f"{reverse('embed-image', args=[map_.slug])}?{query}"


@only("GET")
def change_page(request: HttpRequest, slug: str, change_id: int) -> HttpResponse:
    map_ = _map(slug)
    history = publication.change_events(map=map_, change_id=change_id)
    if not history:
        raise Http404(f"no public change {change_id} on this map")
    latest = history[-1]
    actors = {actor.pk: actor for actor in Actor.objects.all()}
    places = {p.pk: p for p in Place.objects.filter(pk__in={pk for e in history for pk in e.place_ids})}
    public = latest.kind not in ("withdrawn", "unpublished")
    shown = latest if latest.kind not in ("withdrawn", "unpublished") else (latest.previous or latest)
    bounds = Place.objects.filter(pk__in=shown.place_ids).aggregate(extent=Extent("footprint"))["extent"]
    pictures = None
    if bounds is not None:
        pictures = {
            "before": _picture_url(map_, shown.date - dt.timedelta(days=1), bounds),
            "after": _picture_url(map_, shown.date, bounds),
            "before_date": shown.date - dt.timedelta(days=1),
            "after_date": shown.date,
            "width": PICTURE[0],
            "height": PICTURE[1],
        }
    return render(
        request,
        "mapapp/change_page.html",
        {
            "map": map_,
            "change_id": change_id,
            "shown": _describe([shown], actors, places)[0],
            "history": _describe(history, actors, places),
            "public": public,
            "sources": list(Source.objects.filter(pk__in=shown.source_ids).order_by("title", "pk")),
            "pictures": pictures,
            # What happened there that explains it: the published events editors linked to it.
            "events": change_linked_events(change_id=change_id) if public else [],
            "map_url": f"{reverse('map', args=[map_.slug])}?date={shown.date.isoformat()}",
        },
    )
