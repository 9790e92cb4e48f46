"""The map's zones as shared arcs (GET /api/v1/maps/<slug>/topology, docs/contract.md "topology"): what the viewer
loads instead of /geometry's GeoJSON, a tenth of its size, built from the stored edges (ZoneEdge) by
mapapp/lib/topo.py. Like /geometry it only changes with the map's data version, so it is a kept answer built
once per version.
"""

from __future__ import annotations

import orjson
import shapely
from django.contrib.gis.db.models.functions import AsWKB

from mapapp.lib import topo
from mapapp.models import Map


def map_topology(*, map: Map) -> bytes:
    """Zones in the viewer's order (by slug, as map_history numbers them) with their static properties in
    columns, their polygons as arc references, and the stored edges as arcs. Two queries."""
    rows = list(
        map.places.annotate(wkb=AsWKB("footprint"))
        .order_by("slug")
        .values_list(
            "pk", "slug", "name_en", "name_ar", "kind", "footprint_approximate", "area_km2", "label_point", "wkb"
        )  # fmt: skip
    )
    index_of = {row[0]: index for index, row in enumerate(rows)}
    footprints = [shapely.from_wkb(bytes(row[8])) if row[8] is not None else None for row in rows]
    edges, neighbours = [], {"a": [], "b": []}
    for place_a, place_b, wkb in (
        map.edges.annotate(wkb=AsWKB("geom")).order_by("pk").values_list("place_a_id", "place_b_id", "wkb")
    ):
        if place_a not in index_of or (place_b is not None and place_b not in index_of):
            continue
        a, b = index_of[place_a], (index_of[place_b] if place_b is not None else None)
        edges.append((a, b, shapely.from_wkb(bytes(wkb))))
        neighbours["a"].append(a)
        neighbours["b"].append(b)
    encoded = topo.encode(footprints, edges)
    return orjson.dumps(
        {
            "type": "Topology",
            "map": map.slug,
            "version": map.data_version,
            "scale": encoded["scale"],
            "translate": encoded["translate"],
            "arcs": encoded["arcs"],
            "zones": {
                "id": [row[1] for row in rows],
                "name_en": [row[2] for row in rows],
                "name_ar": [row[3] for row in rows],
                "kind": [row[4] for row in rows],
                "approximate": [row[5] for row in rows],
                "area_km2": [round(row[6], 4) if row[6] is not None else None for row in rows],
                "label": [[round(row[7].x, 5), round(row[7].y, 5)] if row[7] else None for row in rows],
                "polygons": encoded["zones"],
            },
            "edges": {**neighbours, "arc_count": encoded["edges"]},
            "unshared": encoded["unshared"],  # zones with arcs of their own (see mapapp/lib/topo.py)
        }
    )
