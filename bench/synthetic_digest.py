"""A digest of everything make_synthetic_map builds for one map (zones, edges, changes, periods, fronts, pockets,
sieges), named by slugs and values, never by row ids, so two builds of the same seed compare equal across
databases, slugs and code changes that should not alter the data (SECRET_KEY=x PYTHONPATH=. python -m
bench.synthetic_digest syria-synthetic). Prints one digest per table and one for all of them."""

from __future__ import annotations

import hashlib
import sys

import django


def digests(slug: str) -> dict[str, str]:
    from gazetteer.models import Place, PlaceName
    from mapapp.models import (
        Actor,
        ControlChange,
        ControlPeriod,
        FrontSegment,
        Map,
        PocketPiece,
        Siege,
        ZoneEdge,
    )

    map_ = Map.objects.get(slug=slug)
    place_ids = list(map_.places.values_list("pk", flat=True))
    # Every place's slug: a map whose zones were split has changes that also cover the zones it no longer shows
    # (the parents of its parts).
    slug_of = dict(Place.objects.values_list("pk", "slug"))
    actor_of = dict(Actor.objects.values_list("pk", "slug"))
    changes = ControlChange.objects.filter(places__in=place_ids).distinct()
    change_key = {}
    for change in changes.order_by("pk"):
        change_key[change.pk] = (
            str(change.date),
            actor_of[change.actor_id],
            change.status,
            change.title,
            change.review_state,
            tuple(sorted(slug_of[p] for p in change.places.values_list("pk", flat=True))),
        )
    rows: dict[str, list] = {
        "map": [
            (
                map_.slug,
                map_.title_en,
                str(map_.start),
                str(map_.end),
                tuple(sorted(map(actor_of.get, map_.actors.values_list("pk", flat=True)))),
            )
        ],
        "zones": [
            (p.slug, p.name_en, p.name_ar, p.kind, p.footprint.wkb.hex(), p.label_point.wkt, round(p.area_km2 or 0, 6))
            for p in Place.objects.filter(pk__in=place_ids)
        ],
        "edges": [
            (slug_of[e.place_a_id], e.place_b_id and slug_of[e.place_b_id], e.geom.wkb.hex(), round(e.length_km, 6))
            for e in ZoneEdge.objects.filter(map=map_)
        ],
        "changes": sorted(change_key.values()),
        "periods": [
            (
                slug_of[p.place_id],
                actor_of[p.actor_id],
                p.status,
                str(p.valid_from),
                str(p.valid_to),
                str(p.held_since),
                p.since_before,
                change_key[p.change_id],
            )
            for p in ControlPeriod.objects.filter(place_id__in=place_ids)
        ],
        "fronts": [
            (
                slug_of[f.edge.place_a_id],
                f.edge.place_b_id and slug_of[f.edge.place_b_id],
                actor_of[f.actor_a_id],
                f.status_a,
                actor_of[f.actor_b_id],
                f.status_b,
                str(f.valid_from),
                str(f.valid_to),
            )
            for f in FrontSegment.objects.filter(map=map_).select_related("edge")
        ],
        "pockets": [
            (
                actor_of[p.actor_id],
                str(p.valid_from),
                str(p.valid_to),
                tuple(sorted(slug_of[i] for i in p.place_ids)),
                p.area_m2,
                p.on_outer_edge,
                tuple(sorted(actor_of[a] for a in p.border_actor_ids)),
                p.border_unknown,
                hashlib.sha1(p.geojson.encode()).hexdigest(),
            )
            for p in PocketPiece.objects.filter(map=map_)
        ],
        "sieges": [
            (
                s.slug,
                s.name_en,
                actor_of[s.besieged_actor_id],
                tuple(sorted(actor_of[a] for a in s.besieging_actors.values_list("pk", flat=True))),
                str(s.start),
                str(s.end),
                s.review_state,
                tuple(sorted((slug_of[sp.place_id], str(sp.until)) for sp in s.siege_places.all())),
                tuple(sorted((x.method, str(x.start), str(x.end)) for x in s.supplies.all())),
            )
            for s in Siege.objects.filter(siege_places__place_id__in=place_ids).distinct()
        ],
        "versions": [
            *(
                ("place", v.slug, v.history_type, v.history_change_reason, v.history_user_id, v.footprint.wkb.hex())
                for v in Place.history.filter(id__in=place_ids)
            ),
            *(
                ("name", slug_of[v.place_id], v.name, v.language, v.kind, v.search_key, v.history_type)
                for v in PlaceName.history.filter(place_id__in=place_ids)
            ),
            *(
                (
                    "change",
                    change_key[v.id],
                    v.history_type,
                    v.history_change_reason,
                    tuple(sorted(slug_of[p] for p in v.places.values_list("place_id", flat=True))),
                    v.sources.count(),
                )
                for v in ControlChange.history.filter(id__in=list(change_key))
            ),
        ],
    }
    result = {}
    whole = hashlib.sha256()
    for name, values in rows.items():
        # The map's slug is in its zones' and sieges' slugs: two builds under different slugs compare equal.
        text = repr(sorted(values, key=repr)).replace(slug, "<map>")
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        result[f"{name} ({len(values)})"] = digest
        whole.update(digest.encode())
    result["all"] = whole.hexdigest()[:16]
    return result


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
    django.setup()
    for name, digest in digests(sys.argv[1] if len(sys.argv) > 1 else "syria-synthetic").items():
        print(f"{name:>24} {digest}")


if __name__ == "__main__":
    main()
