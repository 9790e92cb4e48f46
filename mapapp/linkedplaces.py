"""The interval history as Linked Places Format (LPF v1.1, GeoJSON-LD with GeoJSON-T's `when`), for gazetteer and
humanities users (World Historical Gazetteer, Peripleo): one feature per zone, with its names, its footprint, a
`when` spanning its recorded control, and one relation per control period saying who controlled it when.

Timespans follow LPF: `start` and `end` are days (`in`), and `end` is the last day of the period, inclusive (our
periods end the day before `valid_to`); a period still running has no `end`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import orjson

from mapapp.models import Map

CONTEXT = "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/linkedplaces-context-v1.1.jsonld"


def _timespan(start: str | None, end_exclusive: str | None) -> dict:
    span: dict = {"start": {"in": start}}
    if end_exclusive:
        span["end"] = {"in": (dt.date.fromisoformat(end_exclusive) - dt.timedelta(days=1)).isoformat()}
    return span


def linked_places(*, map: Map, rows: list[tuple[dict, str | None]], base_url: str = "") -> bytes:
    """LPF bytes from gazetteer.export's rows (one per control period, or one per zone on a date; GeoJSON text)."""
    by_place: dict[str, list[tuple[dict, str | None]]] = defaultdict(list)
    for properties, text in rows:
        by_place[properties["place"]].append((properties, text))
    features = []
    for place, periods in by_place.items():
        first, geometry = periods[0]
        relations, spans = [], []
        for properties, _text in periods:
            start = properties.get("valid_from") or properties.get("since")
            if properties["actor"] is None or start is None:
                continue
            span = _timespan(start, properties.get("valid_to"))
            spans.append(span)
            relations.append(
                {
                    "relationType": "controlledBy",
                    "relationTo": f"{base_url}/api/v1/maps/{map.slug}/history#actor-{properties['actor']}",
                    "label": f"{properties['status']} by {properties['actor_name']}",
                    "when": {"timespans": [span]},
                    "status": properties["status"],
                    "confidence": properties["confidence"],
                    "citations": [
                        {"label": source["title"], **({"@id": source["url"]} if source["url"] else {})}
                        for source in properties["sources"]
                    ],
                }
            )
        feature = {
            "@id": f"{base_url}/maps/{map.slug}/#{place}",
            "type": "Feature",
            "properties": {
                "title": first["name_en"],
                "ccodes": [],
                "kind": first["kind"],
                "area_km2": first["area_km2"],
            },
            "names": [{"toponym": name["name"], "lang": name["language"]} for name in first["names"]]
            or [{"toponym": first["name_en"], "lang": "en"}],
            "types": [{"label": first["kind"]}],
            "geometry": orjson.Fragment(geometry) if geometry else None,
            "relations": relations,
        }
        if spans:
            last_end = None if any("end" not in span for span in spans) else max(s["end"]["in"] for s in spans)
            feature["when"] = {
                "timespans": [
                    {
                        "start": {"in": min(s["start"]["in"] for s in spans)},
                        **({"end": {"in": last_end}} if last_end else {}),
                    }
                ]
            }
        features.append(feature)
    return orjson.dumps({"type": "FeatureCollection", "@context": CONTEXT, "map": map.slug, "features": features})
