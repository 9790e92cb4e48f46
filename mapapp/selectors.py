"""Reads that take thought. Dates are datetime.date; intervals are half-open [from, to) unless said otherwise.

The GeoJSON builders let the database write each geometry's GeoJSON (AsGeoJSON) and pass that text through
untouched (orjson.Fragment): no per-vertex Python objects on the hot path, and a fixed number of queries
whatever the number of zones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import orjson
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry
from django.db import connections, router
from django.db.models import Count, Q
from psycopg.adapt import Loader

from gazetteer.models import FOOTPRINT_GEOJSON_PRECISION, Place
from mapapp import standards
from mapapp.models import (
    Actor,
    ControlChange,
    ControlPeriod,
    Map,
    ReviewState,
    Siege,
    SiegePlace,
)

GEOJSON_PRECISION = FOOTPRINT_GEOJSON_PRECISION  # about 0.1 m: what Place.footprint_geojson is stored with


@dataclass(frozen=True)
class ZoneState:
    actor_id: int | None
    status: str  # held / contested / unknown
    since: dt.date | None
    confidence: str | None
    change_id: int | None
    since_before: bool = False  # the hold began some time before `since` (a baseline), not on it


def map_bbox(map: Map) -> list[float] | None:
    """[west, south, east, north] of the map's zones, from the stored union (no query)."""
    if map.area is None:
        return None
    west, south, east, north = map.area.extent
    return [round(west, 6), round(south, 6), round(east, 6), round(north, 6)]


def zone_states_at(*, map: Map, on: dt.date) -> dict[int, ZoneState]:
    """{place_id: state} for every zone of the map on `on` (inclusive). One query. Zones with no published
    change in effect get no entry (status unknown)."""
    rows = (
        ControlPeriod.objects.in_effect(on)
        .filter(place__maps=map)
        .values_list("place_id", "actor_id", "status", "held_since", "change__confidence", "change_id", "since_before")
    )
    return {
        place_id: ZoneState(actor_id, status, since, confidence, change_id, before)
        for place_id, actor_id, status, since, confidence, change_id, before in rows
    }


def besieged_place_ids(*, map: Map, on: dt.date, states: dict[int, ZoneState]) -> dict[int, list[int]]:
    """{place_id: [siege_id, ...]} for the map's zones besieged on `on`: a published siege in effect, the place not
    yet relieved from it, and held or contested by that siege's besieged actor that day. A zone inside two sieges
    at once (overlapping in time) is in both, listed by siege start then slug (the order of /history's sieges);
    the first is the one `siege` names in /zones. One query."""
    rows = (
        SiegePlace.objects.filter(
            Q(until__isnull=True) | Q(until__gt=on),
            place__maps=map,
            siege__in=Siege.objects.published().in_effect(on),
        )
        .values_list("place_id", "siege_id", "siege__besieged_actor_id")
        .order_by("siege__start", "siege__slug")
    )
    besieged: dict[int, list[int]] = defaultdict(list)
    for place_id, siege_id, besieged_actor_id in rows:
        state = states.get(place_id)
        if state is not None and state.actor_id == besieged_actor_id:
            besieged[place_id].append(siege_id)
    return dict(besieged)


def sources_of_changes(change_ids) -> dict[int, list[dict]]:
    """{change_id: [source dicts]} in one query. Callers pass a change id per zone or period: each distinct
    change is asked for once."""
    through = ControlChange.sources.through
    rows = (
        through.objects.filter(controlchange_id__in=sorted(set(change_ids)))
        .order_by("controlchange_id", "source_id")
        .values_list(
            "controlchange_id",
            "source__id",
            "source__title",
            "source__publisher",
            "source__url",
            "source__published",
            "source__quote",
        )
    )
    by_change: dict[int, list[dict]] = defaultdict(list)
    for change_id, source_id, title, publisher, url, published, quote in rows:
        by_change[change_id].append(
            {
                "id": source_id,
                "title": title,
                "publisher": publisher,
                "url": url,
                "published": published.isoformat() if published else None,
                "quote": quote,
            }
        )
    return by_change


def actors_by_id() -> dict[int, Actor]:
    """All actors (a zone may be held by an actor the map does not list). One query."""
    return {actor.pk: actor for actor in Actor.objects.all()}


# --- /zones on a date, written by the database -----------------------------------------------------------------
#
# One statement builds the features array of the FeatureCollection as one JSON text, with each zone's GeoJSON the
# text the database stored with its footprint (Place.footprint_geojson, a generated column: ST_AsGeoJSON once per
# footprint written, not once per zone per request): no Python object per zone, and what the request costs is
# what the same SQL costs in psql
# (bench/bench_scale.py). On PostgreSQL each feature is joined as text (string_agg; strings quoted by to_json):
# a fifth faster than json_build_object, and without the spaces it puts after every colon and comma (a tenth of
# the bytes); the small arrays (sources, sieges) are json_agg's. On SQLite, json_group_array and json_object.
# On PostgreSQL what a zone says of its actor (slug, names, colour) and of its change (confidence, sources) is written
# once per distinct actor and change in effect (zones_actors, zones_changes) and each zone's feature concatenates
# that text: the answer is unchanged, but to_json runs per actor and per change instead of per zone (with the stored
# GeoJSON, 50k zones: the backend's CPU 846 -> 663 ms, bench/zones_sql_ab.py). On SQLite the sources are aggregated
# once per distinct change in effect. Every table is read through
# the statement's own FROM clauses on Django's cursor, so `as_of` (mapapp/asof.py) gives it the older record.
#
# The period in effect on a date (valid_from <= D < valid_to, an open valid_to running on) is found on PostgreSQL
# as `daterange(valid_from, valid_to) @> D`, which the GiST index of migration 0011 answers without reading the
# periods of other dates; on SQLite through the (place, valid_from) unique index, a few periods per zone.

_ZONES_POSTGRES = """
WITH zones_state AS MATERIALIZED (
    SELECT cp.place_id, cp.actor_id, cp.status, cp.held_since, cp.since_before, cp.change_id
    FROM mapapp_map_places mp
    JOIN mapapp_controlperiod cp ON cp.place_id = mp.place_id
    WHERE mp.map_id = %(map)s AND daterange(cp.valid_from, cp.valid_to, '[)') @> %(on)s::date
),
zones_actors AS MATERIALIZED (
    SELECT a.id,
        ',"actor":' || to_json(a.slug)::text
        || ',"actor_name":' || to_json(a.name_en)::text
        || ',"actor_name_ar":' || to_json(a.name_ar)::text
        || ',"color":' || to_json(a.color)::text AS props
    FROM mapapp_actor a
    WHERE a.id IN (SELECT DISTINCT actor_id FROM zones_state)
),
zones_changes AS MATERIALIZED (
    SELECT c.id,
        ',"confidence":' || to_json(c.confidence)::text
        || ',"sources":' || COALESCE((
            SELECT json_agg(json_build_object('id', s.id, 'title', s.title, 'publisher', s.publisher, 'url', s.url,
                'published', s.published, 'quote', s.quote) ORDER BY s.id)::text
            FROM mapapp_controlchange_sources cs
            JOIN mapapp_source s ON s.id = cs.source_id
            WHERE cs.controlchange_id = c.id
        ), '[]') AS props
    FROM mapapp_controlchange c
    WHERE c.id IN (SELECT DISTINCT change_id FROM zones_state)
),
zones_sieges AS (
    SELECT sp.place_id, json_agg(sg.slug ORDER BY sg.start, sg.slug) AS slugs
    FROM zones_state st
    JOIN mapapp_siegeplace sp ON sp.place_id = st.place_id AND (sp.until IS NULL OR sp.until > %(on)s::date)
    JOIN mapapp_siege sg ON sg.id = sp.siege_id AND sg.besieged_actor_id = st.actor_id
    WHERE sg.review_state = %(published)s AND sg.start <= %(on)s::date AND (sg."end" IS NULL OR sg."end" > %(on)s::date)
    GROUP BY sp.place_id
)
SELECT '[' || COALESCE(string_agg(
    '{"type":"Feature","id":' || to_json(p.slug)::text
    || ',"geometry":' || COALESCE(p.footprint_geojson, 'null')
    || ',"properties":{"place":' || to_json(p.slug)::text
    || ',"name_en":' || to_json(p.name_en)::text
    || ',"name_ar":' || to_json(p.name_ar)::text
    || ',"kind":' || to_json(p.kind)::text
    || COALESCE(za.props, ',"actor":null,"actor_name":null,"actor_name_ar":null,"color":null')
    || ',"status":' || to_json(COALESCE(st.status, 'unknown'))::text
    || ',"since":' || COALESCE('"' || to_char(st.held_since, 'YYYY-MM-DD') || '"', 'null')
    || ',"since_before":' || CASE WHEN st.since_before THEN 'true' ELSE 'false' END
    || ',"besieged":' || CASE WHEN sg.slugs IS NULL THEN 'false' ELSE 'true' END
    || ',"siege":' || COALESCE(to_json(sg.slugs->>0)::text, 'null')
    || ',"sieges":' || COALESCE(sg.slugs::text, '[]')
    || COALESCE(zc.props, ',"confidence":null,"sources":[]')
    || ',"approximate":' || CASE WHEN p.footprint_approximate THEN 'true' ELSE 'false' END
    || ',"area_km2":' || COALESCE(round(p.area_km2::numeric, 4)::float8::text, 'null')
    || '}}', ',' ORDER BY p.slug), '') || ']'
FROM mapapp_map_places mp
JOIN gazetteer_place p ON p.id = mp.place_id
LEFT JOIN zones_state st ON st.place_id = p.id
LEFT JOIN zones_actors za ON za.id = st.actor_id
LEFT JOIN zones_changes zc ON zc.id = st.change_id
LEFT JOIN zones_sieges sg ON sg.place_id = p.id
WHERE mp.map_id = %(map)s
"""

# SQLite 3.40 has no ORDER BY inside an aggregate: each aggregate reads a subquery sorted as the array must be
# (SQLite does not flatten an ordered subquery into an aggregate, so the rows arrive in that order). A JSON value
# read back from a WITH table is plain text to SQLite, hence json() around it; booleans are 0/1 to SQLite. Each
# zone finds its period through the (place, valid_from) index in the join itself: joined to the WITH table of
# states instead, SQLite scanned that table once per zone. The sieges are read from the few in effect outwards
# (CROSS JOIN fixes SQLite's join order), not from every zone inwards.
_ZONES_SQLITE = """
WITH zones_state AS MATERIALIZED (
    SELECT cp.place_id, cp.actor_id, cp.status, cp.held_since, cp.since_before, cp.change_id
    FROM mapapp_map_places mp
    JOIN mapapp_controlperiod cp ON cp.place_id = mp.place_id
    WHERE mp.map_id = %(map)s AND cp.valid_from <= %(on)s AND (cp.valid_to IS NULL OR cp.valid_to > %(on)s)
),
zones_sources AS MATERIALIZED (
    SELECT change_id, json_group_array(json_object('id', id, 'title', title, 'publisher', publisher, 'url', url,
        'published', published, 'quote', quote)) AS sources
    FROM (
        SELECT cs.controlchange_id AS change_id, s.id, s.title, s.publisher, s.url, s.published, s.quote
        FROM mapapp_controlchange_sources cs
        JOIN mapapp_source s ON s.id = cs.source_id
        WHERE cs.controlchange_id IN (SELECT DISTINCT change_id FROM zones_state)
        ORDER BY cs.controlchange_id, s.id
    )
    GROUP BY change_id
),
zones_sieges AS MATERIALIZED (
    SELECT place_id, json_group_array(slug) AS slugs, MIN(CASE WHEN nth = 1 THEN slug END) AS first
    FROM (
        SELECT sp.place_id, sg.slug, ROW_NUMBER() OVER (PARTITION BY sp.place_id ORDER BY sg.start, sg.slug) AS nth
        FROM mapapp_siege sg
        CROSS JOIN mapapp_siegeplace sp ON sp.siege_id = sg.id AND (sp.until IS NULL OR sp.until > %(on)s)
        CROSS JOIN mapapp_map_places mp ON mp.place_id = sp.place_id AND mp.map_id = %(map)s
        CROSS JOIN mapapp_controlperiod st ON st.place_id = sp.place_id AND st.actor_id = sg.besieged_actor_id
            AND st.valid_from <= %(on)s AND (st.valid_to IS NULL OR st.valid_to > %(on)s)
        WHERE sg.review_state = %(published)s AND sg.start <= %(on)s AND (sg."end" IS NULL OR sg."end" > %(on)s)
        ORDER BY sp.place_id, sg.start, sg.slug
    )
    GROUP BY place_id
)
SELECT COALESCE(json_group_array(json_object(
    'type', 'Feature',
    'id', slug,
    'geometry', json(geometry),
    'properties', json_object(
        'place', slug,
        'name_en', name_en,
        'name_ar', name_ar,
        'kind', kind,
        'actor', actor,
        'actor_name', actor_name,
        'actor_name_ar', actor_name_ar,
        'color', color,
        'status', status,
        'since', since,
        'since_before', json(CASE WHEN since_before THEN 'true' ELSE 'false' END),
        'besieged', json(CASE WHEN sieges IS NULL THEN 'false' ELSE 'true' END),
        'siege', siege,
        'sieges', json(COALESCE(sieges, '[]')),
        'confidence', confidence,
        'sources', json(COALESCE(sources, '[]')),
        'approximate', json(CASE WHEN approximate THEN 'true' ELSE 'false' END),
        'area_km2', area_km2
    )
)), '[]')
FROM (
    SELECT p.slug, p.name_en, p.name_ar, p.kind, a.slug AS actor, a.name_en AS actor_name,
        a.name_ar AS actor_name_ar, a.color, COALESCE(st.status, 'unknown') AS status, st.held_since AS since,
        st.since_before, sg.slugs AS sieges, sg.first AS siege, c.confidence, src.sources,
        p.footprint_approximate AS approximate, round(p.area_km2, 4) AS area_km2,
        p.footprint_geojson AS geometry
    FROM mapapp_map_places mp
    JOIN gazetteer_place p ON p.id = mp.place_id
    LEFT JOIN mapapp_controlperiod st ON st.place_id = p.id
        AND st.valid_from <= %(on)s AND (st.valid_to IS NULL OR st.valid_to > %(on)s)
    LEFT JOIN mapapp_actor a ON a.id = st.actor_id
    LEFT JOIN mapapp_controlchange c ON c.id = st.change_id
    LEFT JOIN zones_sources src ON src.change_id = st.change_id
    LEFT JOIN zones_sieges sg ON sg.place_id = p.id
    WHERE mp.map_id = %(map)s
    ORDER BY p.slug
)
"""


def zones_features_sql(*, map: Map, on: dt.date, vendor: str) -> tuple[str, dict]:
    """The statement (and its parameters, pyformat) that writes the features array of /zones on `on`: for
    zones_geojson, and for the bench that runs the same SQL in psql."""
    sql = _ZONES_POSTGRES if vendor == "postgresql" else _ZONES_SQLITE
    params = {"map": map.pk, "on": on, "published": ReviewState.PUBLISHED}
    return sql, params


def zones_geojson(*, map: Map, on: dt.date) -> bytes:
    """The map's zones on `on` as a GeoJSON FeatureCollection (the v1 `zones` contract), ordered by slug: each
    zone's state (actor, status, since, confidence, the change's sources), its sieges that day (those in effect
    whose besieged actor holds or contests it and from which it is not yet relieved, by start then slug; `siege`
    is the first) and its static properties. One query, its features written by the database (see above)."""
    connection = connections[router.db_for_read(ControlPeriod)]
    sql, params = zones_features_sql(map=map, on=on, vendor=connection.vendor)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Megabytes of JSON the database wrote: kept as the bytes it sent rather than decoded to str by
            # psycopg and encoded again for the answer (a tenth of the request's CPU at 5,000 zones).
            cursor.cursor.adapters.register_loader("text", RawTextLoader)
        cursor.execute(sql, params)
        (features,) = cursor.fetchone()
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "date": on.isoformat(),
            "map": map.slug,
            "features": orjson.Fragment(features.encode() if isinstance(features, str) else features),
        }
    )


class RawTextLoader(Loader):
    """A psycopg loader giving a text column as the UTF-8 bytes PostgreSQL sent (no str made), to register on one
    cursor's own adapters (`cursor.adapters.register_loader("text", RawTextLoader)`): the connection's other
    cursors are not touched."""

    def load(self, data) -> bytes:
        return bytes(data)


def _holder_on(periods: list[tuple], day: dt.date) -> tuple[int | None, str]:
    """(actor_id, status) in effect on `day` among one place's periods sorted by start."""
    for valid_from, valid_to, actor_id, status in periods:
        if valid_from <= day and (valid_to is None or day < valid_to):
            return actor_id, status
    return None, "unknown"


def changes_between(*, map: Map, after: dt.date, until: dt.date) -> dict:
    """Published changes of the map's zones dated in (after, until], one row per (change, place), with who
    held the place the day before; and the km² each actor gained and lost between the state on `after` and the
    state on `until` (a zone that changed hands and came back counts for nothing), with the zones each gained
    and lost, and `changed_hands`: every zone whose actor differs between the two dates. Status does not count
    (an actor's ground is what it holds or contests); a zone with no record on one of the dates is gained or
    lost by one side only. Fixed number of queries."""
    zone_ids = set(map.places.values_list("pk", flat=True))
    actors = actors_by_id()
    through = ControlChange.places.through
    rows = list(
        through.objects.filter(
            place_id__in=zone_ids,
            controlchange__review_state=ReviewState.PUBLISHED,
            controlchange__date__gt=after,
            controlchange__date__lte=until,
        )
        .order_by("controlchange__date", "controlchange_id", "place__slug")
        .values_list(
            "controlchange_id",
            "controlchange__date",
            "controlchange__actor_id",
            "controlchange__status",
            "controlchange__confidence",
            "controlchange__title",
            "place_id",
            "place__slug",
            "place__name_en",
            "place__name_ar",
        )
    )
    periods_by_place: dict[int, list[tuple]] = defaultdict(list)
    for place_id, valid_from, valid_to, actor_id, status in (
        ControlPeriod.objects.filter(place_id__in=zone_ids)
        .order_by("place_id", "valid_from")
        .values_list("place_id", "valid_from", "valid_to", "actor_id", "status")
    ):
        periods_by_place[place_id].append((valid_from, valid_to, actor_id, status))
    sources = sources_of_changes({row[0] for row in rows})

    def slug(actor_id):
        return actors[actor_id].slug if actor_id in actors else None

    changes = []
    for change_id, date, actor_id, status, confidence, title, place_id, place_slug, name_en, name_ar in rows:
        from_actor, from_status = _holder_on(periods_by_place[place_id], date - dt.timedelta(days=1))
        changes.append(
            {
                "id": change_id,
                "date": date.isoformat(),
                "place": place_slug,
                "name_en": name_en,
                "name_ar": name_ar,
                "from_actor": slug(from_actor),
                "from_status": from_status,
                "to_actor": slug(actor_id),
                "status": status,
                "confidence": confidence,
                "title": title,
                "sources": sources.get(change_id, []),
            }
        )

    # Areas are geodesic (Place.area_km2), summed as whole square metres so that, between two sides, what one
    # gains the other loses exactly.
    places = {
        pk: (slug, round((area or 0.0) * 1_000_000))
        for pk, slug, area in map.places.values_list("pk", "slug", "area_km2")
    }
    totals: dict[str, dict[str, int]] = {}
    moved: dict[str, dict[str, list[str]]] = {}
    changed_hands = []
    for place_id in sorted(zone_ids, key=lambda pk: places[pk][0]):
        before, _ = _holder_on(periods_by_place[place_id], after)
        after_actor, _ = _holder_on(periods_by_place[place_id], until)
        if before == after_actor:
            continue
        place_slug, size = places[place_id]
        changed_hands.append(
            {"place": place_slug, "from_actor": slug(before), "to_actor": slug(after_actor), "area_km2": size / 1e6}
        )
        for actor_id, key in ((after_actor, "gained"), (before, "lost")):
            if actor_id is None:
                continue
            totals.setdefault(slug(actor_id), {"gained": 0, "lost": 0})[key] += size
            moved.setdefault(slug(actor_id), {"gained": [], "lost": []})[key].append(place_slug)
    area_km2 = {
        actor: {
            "gained": round(entry["gained"] / 1e6, 6),
            "lost": round(entry["lost"] / 1e6, 6),
            "net": round((entry["gained"] - entry["lost"]) / 1e6, 6),
            "gained_places": moved[actor]["gained"],
            "lost_places": moved[actor]["lost"],
        }
        for actor, entry in sorted(totals.items())
    }
    return {
        "from": after.isoformat(),
        "to": until.isoformat(),
        "changes": changes,
        "area_km2": area_km2,
        "changed_hands": changed_hands,
    }


def timeline(*, map: Map) -> dict:
    """Dates on which published changes touch the map's zones: {"start","end","events":[{date,count,title}]}.
    `count` is the number of zones changed that day. Two queries."""
    through = ControlChange.places.through
    counts = (
        through.objects.filter(place__maps=map, controlchange__review_state=ReviewState.PUBLISHED)
        .values("controlchange__date")
        .annotate(count=Count("place_id", distinct=True))
        .order_by("controlchange__date")
    )
    titles: dict[dt.date, str] = {}
    for date, title in (
        ControlChange.objects.published()
        .filter(places__maps=map)
        .exclude(title="")
        .order_by("date", "id")
        .values_list("date", "title")
        .distinct()
    ):
        titles.setdefault(date, title)
    return {
        "start": map.start.isoformat(),
        "end": map.end.isoformat(),
        "events": [
            {
                "date": row["controlchange__date"].isoformat(),
                "count": row["count"],
                "title": titles.get(row["controlchange__date"], ""),
            }
            for row in counts
        ],
    }


# --- What the map viewer loads once: geometry (rarely changes) and the compact history of control. The browser
# works out the state on any date from these without a round trip per date.

VIEWER_GEOJSON_PRECISION = 5  # about 1 m: finer than the footprints, and a tenth less to send than 6 digits


def map_zone_ids(map: Map) -> list[int]:
    """The map's zones' ids in the viewer's order (by slug): the index of a zone in geometry and history."""
    return list(map.places.order_by("slug").values_list("pk", flat=True))


def map_geometry(*, map: Map) -> bytes:
    """The map's zones as a GeoJSON FeatureCollection of their static properties (no state: that is in
    map_history), in the viewer's zone order, and the shared edges between zones where they have been derived
    (ZoneEdge): `edges` = {"a": [zone index], "b": [zone index or null], "geometry": [MultiLineString]}.
    Geometry is written by the database (AsGeoJSON) and passed through. Two queries."""
    places = (
        map.places.annotate(geojson=standards.as_geojson("footprint", precision=VIEWER_GEOJSON_PRECISION))
        .order_by("slug")
        .values_list(
            "pk", "slug", "name_en", "name_ar", "kind", "footprint_approximate", "area_km2", "label_point", "geojson"
        )
    )
    features = []
    index_of: dict[int, int] = {}
    for index, (place_id, slug, name_en, name_ar, kind, approximate, area, label, geometry) in enumerate(places):
        index_of[place_id] = index
        features.append(
            {
                "type": "Feature",
                "id": slug,
                "geometry": orjson.Fragment(geometry) if geometry else None,
                "properties": {
                    "name_en": name_en,
                    "name_ar": name_ar,
                    "kind": kind,
                    "area_km2": round(area, 4) if area is not None else None,
                    "approximate": approximate,
                    "label": [round(label.x, 5), round(label.y, 5)] if label else None,
                },
            }
        )
    edges: dict[str, list] = {"a": [], "b": [], "geometry": []}
    for place_a, place_b, geometry in (
        map.edges.annotate(geojson=AsGeoJSON("geom", precision=VIEWER_GEOJSON_PRECISION))
        .order_by("pk")
        .values_list("place_a_id", "place_b_id", "geojson")
    ):
        if place_a not in index_of or (place_b is not None and place_b not in index_of):
            continue
        edges["a"].append(index_of[place_a])
        edges["b"].append(index_of[place_b] if place_b is not None else None)
        edges["geometry"].append(orjson.Fragment(geometry))
    return orjson.dumps(
        {
            "type": "FeatureCollection",
            "map": map.slug,
            "version": map.data_version,
            "features": features,
            "edges": edges,
        }
    )


def _day(day: dt.date | None, epoch: dt.date) -> int | None:
    return None if day is None else (day - epoch).days


def map_history(*, map: Map) -> dict:
    """Everything a viewer needs to know who held each zone on any day, in compact arrays.

    Days are whole numbers counted from the map's start (`epoch`, day 0; earlier days are negative). Zones are
    indexes into `zones` (the order of map_geometry). Periods, sorted by zone then start, are columns:
    zone, actor (index into `actors`), status (index into `statuses`), from (inclusive), to (exclusive, null
    while open), since (start of the unbroken hold), change (index into `changes`). Changes carry their date,
    confidence, title, note and the indexes of their sources. Sieges list their zones with the day each was
    relieved (`until`, exclusive, null: with the siege). Only published records. Eight queries whatever the size.
    """
    epoch = map.start
    zone_ids = map_zone_ids(map)
    zone_index = {place_id: index for index, place_id in enumerate(zone_ids)}

    period_rows = list(
        ControlPeriod.objects.filter(place__maps=map)
        .order_by("place__slug", "valid_from")
        .values_list(
            "place_id", "actor_id", "status", "valid_from", "valid_to", "held_since", "change_id", "since_before"
        )
    )
    change_ids = sorted({row[6] for row in period_rows})
    change_rows = list(
        ControlChange.objects.filter(pk__in=change_ids)
        .order_by("date", "pk")
        .values_list("pk", "date", "confidence", "title", "note")
    )
    change_index = {row[0]: index for index, row in enumerate(change_rows)}

    siege_rows = list(
        Siege.objects.published()
        .filter(places__maps=map)
        .distinct()
        .order_by("start", "slug")
        .values_list("pk", "slug", "name_en", "name_ar", "besieged_actor_id", "start", "end")
    )
    siege_ids = [row[0] for row in siege_rows]
    siege_places: dict[int, list[tuple[int, dt.date | None]]] = defaultdict(list)
    for siege_id, place_id, until in (
        SiegePlace.objects.filter(siege_id__in=siege_ids, place_id__in=zone_ids)
        .order_by("siege_id", "place__slug")
        .values_list("siege_id", "place_id", "until")
    ):
        siege_places[siege_id].append((zone_index[place_id], until))
    besieging: dict[int, list[int]] = defaultdict(list)
    for siege_id, actor_id in (
        Siege.besieging_actors.through.objects.filter(siege_id__in=siege_ids)
        .order_by("siege_id", "actor_id")
        .values_list("siege_id", "actor_id")
    ):
        besieging[siege_id].append(actor_id)

    through = ControlChange.sources.through
    source_links = list(
        through.objects.filter(controlchange_id__in=change_ids)
        .order_by("controlchange_id", "source_id")
        .values_list("controlchange_id", "source_id", "source__title", "source__publisher", "source__url",
                     "source__published")
    )  # fmt: skip

    # Actors: the map's, then any other actor that holds or besieges one of its zones.
    used_actor_ids = {row[1] for row in period_rows} | {row[4] for row in siege_rows}
    used_actor_ids |= {actor_id for ids in besieging.values() for actor_id in ids}
    actors = list(
        Actor.objects.filter(Q(maps=map) | Q(pk__in=used_actor_ids)).distinct().order_by("sort_order", "slug")
    )
    actor_index = {actor.pk: index for index, actor in enumerate(actors)}

    statuses = ["held", "contested"]
    confidences = ["high", "medium", "low"]
    periods: dict[str, list] = {
        key: [] for key in ("zone", "actor", "status", "from", "to", "since", "since_before", "change")
    }
    for place_id, actor_id, status, valid_from, valid_to, held_since, change_id, before in period_rows:
        periods["zone"].append(zone_index[place_id])
        periods["actor"].append(actor_index[actor_id])
        periods["status"].append(statuses.index(status))
        periods["from"].append(_day(valid_from, epoch))
        periods["to"].append(_day(valid_to, epoch))
        periods["since"].append(_day(held_since, epoch))
        periods["since_before"].append(1 if before else 0)
        periods["change"].append(change_index[change_id])

    sources: dict[str, list] = {key: [] for key in ("id", "title", "publisher", "url", "published")}
    source_index: dict[int, int] = {}
    change_sources: dict[int, list[int]] = defaultdict(list)
    for change_id, source_id, title, publisher, url, published in source_links:
        if source_id not in source_index:
            source_index[source_id] = len(sources["id"])
            sources["id"].append(source_id)
            sources["title"].append(title)
            sources["publisher"].append(publisher)
            sources["url"].append(url)
            sources["published"].append(published.isoformat() if published else None)
        change_sources[change_id].append(source_index[source_id])

    return {
        "map": map.slug,
        "version": map.data_version,
        "epoch": epoch.isoformat(),
        "start": 0,
        "end": _day(map.end, epoch),
        "default": _day(map.default_date, epoch),
        "actors": [
            {"slug": actor.slug, "name_en": actor.name_en, "name_ar": actor.name_ar, "color": actor.color}
            for actor in actors
        ],
        "statuses": statuses,
        "confidences": confidences,
        "zones": len(zone_ids),
        "periods": periods,
        "changes": {
            "id": [row[0] for row in change_rows],
            "day": [_day(row[1], epoch) for row in change_rows],
            "confidence": [confidences.index(row[2]) for row in change_rows],
            "title": [row[3] for row in change_rows],
            "note": [row[4] for row in change_rows],
            "sources": [change_sources.get(row[0], []) for row in change_rows],
        },
        "sources": sources,
        "sieges": [
            {
                "slug": slug,
                "name_en": name_en,
                "name_ar": name_ar,
                "besieged": actor_index[besieged_actor_id],
                "besieging": [actor_index[actor_id] for actor_id in besieging[siege_id]],
                "start": _day(start, epoch),
                "end": _day(end, epoch),
                "zones": [zone for zone, _until in siege_places[siege_id]],
                "until": [_day(until, epoch) for _zone, until in siege_places[siege_id]],
            }
            for siege_id, slug, name_en, name_ar, besieged_actor_id, start, end in siege_rows
        ],
    }


def places_within(*, area: GEOSGeometry, kind: str) -> list[Place]:
    """The places of `kind` with a footprint whose label point lies inside `area`: the zones an editor picks by
    drawing round them (a point, not the whole outline, so that a zone on the drawn line is in or out, once)."""
    return list(Place.objects.filter(kind=kind, footprint__isnull=False, label_point__within=area).order_by("slug"))
