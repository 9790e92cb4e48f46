"""Load the Deir ez-Zor demo: places with approximate footprints, actors, sources, the control record and
the siege, all through the services (so the derived periods are built exactly as in production).

The facts come from mapapp/demo/data/ (copied from the project's reference notes, every row sourced);
footprints from mapapp/demo/data/footprints.geojson (made by scripts/build_demo_footprints.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import shapely
from django.contrib.gis.geos import Point
from django.db import transaction

from gazetteer.models import Place
from gazetteer.services import place_create
from mapapp import services
from mapapp.lib import geo
from mapapp.models import Map, SupplyMethod

DATA = Path(__file__).resolve().parent / "data"
SLUG = "deir-ez-zor"

ACTORS = [
    # slug, English, Arabic, colour
    ("government", "Syrian government", "الحكومة السورية", "#c62828"),
    ("isis", "Islamic State (ISIS)", "تنظيم الدولة الإسلامية (داعش)", "#3b3b3b"),
    ("rebels", "Rebels", "فصائل المعارضة", "#2e7d32"),
    ("sdf", "Syrian Democratic Forces", "قوات سوريا الديمقراطية", "#f2b705"),
]

# The government enclave under siege. The western (city) part was relieved on 5 September 2017, when the
# army reached Brigade 137; the airport and the ground east of it on 9 September.
SIEGE_WEST = [
    "al-joura", "al-qusour", "brigade-137", "panorama-roundabout", "panorama-base", "assad-hospital",
    "al-furat-university", "jamiyat-al-rawad", "al-baghiliyah", "ayyash", "al-jaryah", "cemeteries", "al-ommal",
]  # fmt: skip
SIEGE_EAST = ["deir-ez-zor-airport", "harabesh", "military-housing", "jabal-harabesh", "jabal-al-tharda"]

CREDIT = (
    "Approximate footprints made by Frontline Atlas. Points: Who's On First (CC BY, derived from GeoNames) "
    "and the Wikipedia module 'Syrian Civil War detailed map' (CC BY-SA)."
)


def _language_of(name: str) -> str:
    return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in name) else "en"


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _load_places() -> dict[str, Place]:
    footprints = {
        feature["id"]: feature for feature in json.loads((DATA / "footprints.geojson").read_text())["features"]
    }
    rows = _read_csv("places.csv")
    rows.sort(key=lambda row: (row["parent"] != "", row["slug"]))  # parents first
    places: dict[str, Place] = {}
    for row in rows:
        feature = footprints[row["slug"]]
        label = feature["properties"].get("label_point") or [float(row["lon"]), float(row["lat"])]
        footprint = geo.geos_multipolygon(shapely.geometry.shape(feature["geometry"]))
        places[row["slug"]] = place_create(
            slug=row["slug"],
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            kind=row["kind"],
            label_point=Point(label[0], label[1], srid=geo.WGS84),
            footprint=footprint,
            footprint_approximate=feature["properties"].get("approximate", True),
            footprint_method=feature["properties"].get("method", ""),
            parent=places.get(row["parent"]) if row["parent"] else None,
            coord_basis=row["coord_basis"],
            uncertainty_m=int(row["uncertainty_m"]) if row["uncertainty_m"] else None,
            variants=[(v.strip(), _language_of(v)) for v in row["variants"].split(";") if v.strip()],
            source=row["source"],
            notes=row["notes"],
        )
    return places


@transaction.atomic
def load_demo() -> Map:
    """Create the `deir-ez-zor` map and everything it shows. Expects an empty record for these slugs."""
    places = _load_places()
    actors = {
        slug: services.actor_create(slug=slug, name_en=en, name_ar=ar, color=color, sort_order=index)
        for index, (slug, en, ar, color) in enumerate(ACTORS)
    }
    sources = {
        row["key"]: services.source_create(
            title=row["title"], publisher=row["publisher"], url=row["url"], published=_date(row["published"])
        )
        for row in _read_csv("sources.csv")
    }
    footprint_zones = {
        f["id"] for f in json.loads((DATA / "footprints.geojson").read_text())["features"] if f["properties"]["zone"]
    }
    zones = [places[slug] for slug in sorted(footprint_zones)]
    map_ = services.map_create(
        slug=SLUG,
        title_en="Siege of Deir ez-Zor, 2014–2017",
        title_ar="حصار دير الزور، ٢٠١٤–٢٠١٧",
        description_en=(
            "Who held each district of Deir ez-Zor from the ISIS advance of 2014 to the end of the siege in "
            "September 2017 and the city's capture in November 2017. Footprints are approximate."
        ),
        description_ar="من سيطر على كل حي من أحياء دير الزور منذ تقدم تنظيم الدولة عام ٢٠١٤ حتى فك الحصار.",
        start=dt.date(2014, 1, 1),
        end=dt.date(2017, 12, 31),
        default_date=dt.date(2017, 6, 15),
        actors=list(actors.values()),
        zones=zones,
        credit=CREDIT,
    )
    for row in _read_csv("changes.csv"):
        services.control_change_record(
            on=dt.date.fromisoformat(row["date"]),
            date_precision=row["date_precision"],
            places=[places[slug] for slug in row["places"].split(";")],
            actor=actors[row["actor"]],
            status=row["status"],
            confidence=row["confidence"],
            title=row["title"],
            note=row["note"],
            sources=[sources[key] for key in row["sources"].split("|")],
            publish=True,
        )
    relieved_west = dt.date(2017, 9, 5)
    services.siege_record(
        slug="deir-ez-zor-2015",
        name_en="Siege of Deir ez-Zor",
        name_ar="حصار دير الزور",
        besieged_actor=actors["government"],
        besieging_actors=[actors["isis"]],
        start=dt.date(2015, 1, 15),
        start_precision="month",
        end=dt.date(2017, 9, 9),
        places=[(places[slug], relieved_west) for slug in SIEGE_WEST] + [(places[slug], None) for slug in SIEGE_EAST],
        sources=[
            sources[key]
            for key in (
                "afp-egypt-today",
                "al-hayat-2017-06",
                "wiki-siege",
                "al-masdar-137",
                "xinhua-airport",
            )
        ],
        supplies=[
            (SupplyMethod.LAND, dt.date(2015, 1, 15), dt.date(2015, 5, 21), "until ISIS took Palmyra"),
            (SupplyMethod.AIR_BRIDGE, dt.date(2015, 5, 21), dt.date(2017, 9, 9), "by air only from May 2015"),
            (
                SupplyMethod.AIRDROP,
                dt.date(2016, 4, 10),
                dt.date(2017, 1, 16),
                "WFP airdrops; suspended 16 Jan 2017",
            ),
        ],
        note=(
            "Some sources date the siege from July 2014. From 16 January 2017 the enclave was two pockets: the "
            "city districts in the west and the airport with Harabesh in the east. The west was relieved on "
            "5 September 2017, the airport on 9 September."
        ),
        publish=True,
    )
    return map_
