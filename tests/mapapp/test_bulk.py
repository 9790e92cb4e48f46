"""mapapp.lib.bulk writes what bulk_create and simple_history's bulk_create_with_history write (COPY on PostgreSQL,
bulk_create elsewhere): the same rows, geometries with their SRID, JSON, enum choices by value, auto_now dates, ids
set on the objects, and one "+" version per row with the given user and reason (None where none is given)."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.geos import LineString, MultiLineString, Point
from simple_history.utils import bulk_create_with_history

from gazetteer.models import Place
from mapapp.lib.bulk import bulk_insert, bulk_insert_values_with_ids, bulk_insert_with_history
from mapapp.models import ControlChange, ControlStatus, PocketPiece, ZoneEdge


def plain(obj, *, skip=("id",)) -> dict:
    row = {}
    for field in type(obj)._meta.concrete_fields:
        if field.attname in skip:
            continue
        value = getattr(obj, field.attname)
        row[field.attname] = value.ewkt if hasattr(value, "ewkt") else value
    return row


def test_rows_and_ids_as_bulk_create_writes_them(world):
    map_ = world.map(zones=[world.place("a"), world.place("b", 0.01, 0.0)])
    a, b = world.place("a"), world.place("b")
    line = MultiLineString(LineString((0.01, 0.0), (0.01, 0.01)), srid=4326)
    ZoneEdge.objects.filter(map=map_).delete()
    edges = bulk_insert(
        ZoneEdge,
        [
            ZoneEdge(map=map_, place_a=a, place_b=b, geom=line, length_km=1.1),
            ZoneEdge(map=map_, place_a=a, place_b=None, geom=line.clone(), length_km=2.0),
        ],
    )
    assert all(edge.pk for edge in edges)
    stored = {edge.pk: plain(edge) for edge in ZoneEdge.objects.filter(map=map_)}
    assert stored == {edge.pk: plain(edge) for edge in edges}
    assert ZoneEdge.objects.get(pk=edges[0].pk).geom.srid == 4326
    piece = PocketPiece(
        map=map_, actor=world.actor("gov"), valid_from=dt.date(2015, 1, 1), valid_to=None, place_ids=[a.pk, b.pk],
        places_key="k", area_m2=5, on_outer_edge=True, border_actor_ids=[], border_unknown=False, geojson="{}",
    )  # fmt: skip
    (written,) = bulk_insert(PocketPiece, [piece])
    assert PocketPiece.objects.filter(pk=written.pk).values_list("place_ids", "valid_to").get() == ([a.pk, b.pk], None)


def test_values_with_ids_are_the_rows_bulk_create_writes_and_their_ids_in_order(world):
    places = [world.place(f"p{index}", 0.01 * index, 0.0) for index in range(4)]
    change = world.change("2015-01-01", [places[0]], "gov")
    through = ControlChange.places.through
    (theirs,) = through.objects.bulk_create([through(controlchange_id=change.pk, place_id=places[1].pk)])
    rows = [(change.pk, place.pk) for place in places[2:]]
    ids = bulk_insert_values_with_ids(through, ["controlchange_id", "place_id"], rows)
    assert len(set(ids)) == 2 and min(ids) > theirs.pk  # new ids, after those the table has given
    written = dict(through.objects.filter(pk__in=ids).values_list("pk", "place_id"))
    assert written == {ids[0]: places[2].pk, ids[1]: places[3].pk}
    assert bulk_insert_values_with_ids(through, ["controlchange_id", "place_id"], []) == []


def test_versions_as_bulk_create_with_history_writes_them(world, people):
    def changes(title):
        return [
            ControlChange(date=dt.date(2015, 1, day), actor=world.actor("gov"), status=ControlStatus.CONTESTED,
                          title=f"{title} {day}", review_state="published")
            for day in (1, 2)
        ]  # fmt: skip

    ours = bulk_insert_with_history(ControlChange, changes("ours"), default_user=people.reviewer)
    theirs = bulk_create_with_history(changes("theirs"), ControlChange, default_user=people.reviewer)
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.pk and mine.created_at
        got, expected = ControlChange.objects.get(pk=mine.pk), ControlChange.objects.get(pk=other.pk)
        assert got.status == "contested"
        assert plain(got, skip=("id", "title", "created_at")) == plain(expected, skip=("id", "title", "created_at"))
        fields = ("history_type", "history_change_reason", "history_user_id", "status", "date")
        assert list(ControlChange.history.filter(id=mine.pk).values_list(*fields)) == list(
            ControlChange.history.filter(id=other.pk).values_list(*fields)
        )
    places = bulk_insert_with_history(
        Place, [Place(slug="bulk-p", name_en="P", kind="locality", label_point=Point(1, 2, srid=4326))],
        default_change_reason="imported",
    )  # fmt: skip
    version = Place.history.get(id=places[0].pk)
    assert (version.history_type, version.history_change_reason, version.label_point.coords) == (
        "+",
        "imported",
        (1, 2),
    )
