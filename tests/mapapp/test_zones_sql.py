"""/zones on a date is written by the database in one statement (mapapp/selectors.py): it must say what the record
says, zone by zone, as the ORM reads it. The reference below builds the answer the long way (a query per kind of
row, a dict per zone) on the demo map, on every date the record changes and the day before each, on both
databases, with sieges that overlap and places relieved from them."""

import datetime as dt

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gazetteer.models import Place
from mapapp import selectors, services, standards
from mapapp.models import Siege, SiegePlace


def reference_geometry(place: Place) -> dict | None:
    """The zone's GeoJSON as the database writes it for one place (AsGeoJSON, wound as RFC 7946 says), parsed."""
    text = (
        Place.objects.filter(pk=place.pk)
        .annotate(g=standards.as_geojson("footprint", precision=selectors.GEOJSON_PRECISION))
        .values_list("g", flat=True)
        .get()
    )
    return orjson.loads(text) if text else None


def reference_zones(map_, on: dt.date) -> dict:
    states = selectors.zone_states_at(map=map_, on=on)
    besieged = selectors.besieged_place_ids(map=map_, on=on, states=states)
    actors = selectors.actors_by_id()
    sources = selectors.sources_of_changes(state.change_id for state in states.values())
    slugs = dict(Siege.objects.values_list("pk", "slug"))
    features = []
    for place in map_.places.order_by("slug"):
        state = states.get(place.pk)
        actor = actors.get(state.actor_id) if state else None
        features.append(
            {
                "type": "Feature",
                "id": place.slug,
                "geometry": reference_geometry(place),
                "properties": {
                    "place": place.slug,
                    "name_en": place.name_en,
                    "name_ar": place.name_ar,
                    "kind": place.kind,
                    "actor": actor.slug if actor else None,
                    "actor_name": actor.name_en if actor else None,
                    "actor_name_ar": actor.name_ar if actor else None,
                    "color": actor.color if actor else None,
                    "status": state.status if state else "unknown",
                    "since": state.since.isoformat() if state and state.since else None,
                    "since_before": bool(state and state.since_before),
                    "besieged": place.pk in besieged,
                    "siege": slugs[besieged[place.pk][0]] if place.pk in besieged else None,
                    "sieges": [slugs[siege_id] for siege_id in besieged.get(place.pk, ())],
                    "confidence": state.confidence if state else None,
                    "sources": sources.get(state.change_id, []) if state else [],
                    "approximate": place.footprint_approximate,
                    "area_km2": round(place.area_km2, 4) if place.area_km2 is not None else None,
                },
            }
        )
    return {"type": "FeatureCollection", "date": on.isoformat(), "map": map_.slug, "features": features}


def _dates(map_) -> list[dt.date]:
    changed = {dt.date.fromisoformat(event["date"]) for event in selectors.timeline(map=map_)["events"]}
    sieges = {day for start, end in Siege.objects.values_list("start", "end") for day in (start, end) if day}
    relieved = set(SiegePlace.objects.exclude(until=None).values_list("until", flat=True))
    days = changed | sieges | relieved | {map_.start - dt.timedelta(days=1), map_.end}
    return sorted(days | {day - dt.timedelta(days=1) for day in days})


def test_zones_from_the_database_say_what_the_record_says_on_every_date(demo):
    dates = _dates(demo)
    assert len(dates) > 20
    besieged_somewhere = 0
    for day in dates:
        answer = orjson.loads(selectors.zones_geojson(map=demo, on=day))
        expected = reference_zones(demo, day)
        assert answer["features"] and [f["id"] for f in answer["features"]] == [f["id"] for f in expected["features"]]
        for ours, theirs in zip(answer["features"], expected["features"], strict=True):
            area, reference_area = ours["properties"].pop("area_km2"), theirs["properties"].pop("area_km2")
            # round() on the database and in Python may part on a tie in the fourth decimal: 1e-4 km² apart.
            assert area == pytest.approx(reference_area, abs=1.01e-4), ours["id"]
        assert answer == expected, day
        besieged_somewhere += sum(f["properties"]["besieged"] for f in answer["features"])
    assert besieged_somewhere > 0  # the dates include sieges, so the siege columns were compared too


def test_zones_is_one_query_whatever_the_number_of_zones(demo):
    with CaptureQueriesContext(connection) as queries:
        selectors.zones_geojson(map=demo, on=dt.date(2016, 6, 1))
    assert len(queries) == 1


def test_a_map_without_zones_has_an_empty_feature_list(demo):
    empty = services.map_create(
        slug="empty-zones", title_en="Empty", start=demo.start, end=demo.end, default_date=demo.end
    )
    answer = orjson.loads(selectors.zones_geojson(map=empty, on=demo.end))
    assert answer == {"type": "FeatureCollection", "date": demo.end.isoformat(), "map": "empty-zones", "features": []}


def test_the_features_pass_through_as_bytes_and_the_connection_still_reads_text_as_str(demo):
    # On PostgreSQL the features text is read as the bytes the server sent, by a loader on zones' own cursor only.
    answer = selectors.zones_geojson(map=demo, on=dt.date(2016, 6, 1))
    names_ar = {feature["properties"]["name_ar"] for feature in orjson.loads(answer)["features"]}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.name_ar FROM gazetteer_place p JOIN mapapp_map_places mp ON mp.place_id = p.id"
            " WHERE mp.map_id = %s AND p.name_ar <> '' ORDER BY p.id LIMIT 1",
            [demo.pk],
        )
        (name_ar,) = cursor.fetchone()
    assert isinstance(name_ar, str) and name_ar in names_ar
