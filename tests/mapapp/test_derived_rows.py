"""The stored front segments and pocket pieces beside the record: an as_of read works from the periods of then,
and a database recorded before the derived tables is derived after migrating. (Their comparison with a
recomputation after random edits is test_derived_fronts.py.)"""

from __future__ import annotations

import datetime as dt

import orjson

from mapapp import frontlines
from mapapp.models import FrontSegment, Map, PocketPiece
from mapapp.services import fronts
from tests.mapapp.test_asof import corrected  # noqa: F401 (a fixture)
from tests.mapapp.test_derived_fronts import stored_rows


def test_an_as_of_read_works_from_the_periods_of_then_not_the_stored_rows(client, corrected):  # noqa: F811
    """The stored rows say what the record says now; the record at a moment has no rows of its own, so its fronts
    and pockets are worked out from the periods of then (mapapp.asof)."""
    base, day = "/api/v1/maps/test-map", {"date": "2015-08-01"}
    then = {**day, "as_of": corrected.before.isoformat()}

    def read(endpoint, params):
        response = client.get(f"{base}/{endpoint}", params)
        assert response.status_code == 200, response.content
        return orjson.loads(response.content)["features"]

    assert [f["properties"]["actors"] for f in read("fronts", day)] == [["gov", "rebels"]]
    assert read("fronts", then) == []
    assert [(f["properties"]["actor"], f["properties"]["places"]) for f in read("pockets", day)] == [
        ("gov", ["a"]),
        ("rebels", ["b"]),
    ]
    assert [(f["properties"]["actor"], f["properties"]["places"]) for f in read("pockets", then)] == [
        ("gov", ["a", "b"])
    ]


def test_a_database_recorded_before_the_derived_tables_is_derived_after_migrating(demo):
    """A map with a record but no derived rows (as after migrating a database made before 0012) is derived by
    the post-migrate hook, and only such a map: one already derived is left alone."""
    demo = Map.objects.get(pk=demo.pk)
    kept = stored_rows(demo)
    assert kept[0] and kept[1]
    day = dt.date(2017, 3, 1)
    FrontSegment.objects.filter(map=demo).delete()
    PocketPiece.objects.filter(map=demo).delete()
    assert frontlines.front_edges(map=demo, on=day, stored=True) == []
    assert fronts.derived_missing_rebuild() == [demo.slug]
    assert stored_rows(demo) == kept
    assert frontlines.front_edges(map=demo, on=day, stored=True) == frontlines.front_edges(
        map=demo, on=day, stored=False
    )
    assert fronts.derived_missing_rebuild() == []
