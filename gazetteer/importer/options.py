"""What an import is asked to do (ImportOptions), what it reports (ImportReport), and the
words it knows in files: name, kind and geometry columns, kinds of places and their families."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from gazetteer.models import PlaceKind

SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".kml", ".kmz", ".gpkg", ".csv")


NAME_FIELDS = ("name_en", "name", "NAME_EN", "NAME", "Name", "name:en", "title", "label")


NAME_AR_FIELDS = ("name_ar", "NAME_AR", "name:ar", "Name_ar", "arabic")


VARIANT_FIELDS = ("variants", "alt_name", "alt_names", "ALT_NAME", "other_names")


KIND_FIELDS = ("kind", "placetype", "place_type", "type", "fclass")


WKT_COLUMNS = ("wkt", "WKT", "geometry", "geom", "the_geom", "GEOMETRY")


LAT_LON_COLUMNS = (("lat", "lon"), ("latitude", "longitude"), ("lat", "lng"), ("Latitude", "Longitude"), ("y", "x"))


PROGRESS_FROM = 200  # features; smaller files import too fast to need a progress bar


# Who's On First, GeoNames and OSM words for kinds of places, mapped onto ours.
KIND_ALIASES = {
    "neighbourhood": PlaceKind.DISTRICT, "neighborhood": PlaceKind.DISTRICT, "microhood": PlaceKind.DISTRICT,
    "macrohood": PlaceKind.DISTRICT, "suburb": PlaceKind.DISTRICT, "quarter": PlaceKind.DISTRICT,
    "county": PlaceKind.REGION, "localadmin": PlaceKind.REGION, "region": PlaceKind.GOVERNORATE,
    "country": PlaceKind.REGION, "hamlet": PlaceKind.VILLAGE, "aerodrome": PlaceKind.AIRPORT,
    "peak": PlaceKind.MOUNTAIN, "military": PlaceKind.BASE,
}  # fmt: skip


# Kinds that may name the same ground: a "locality" in one file is a "village" or "town" in another.
KIND_FAMILIES = [
    {PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.LOCALITY},
    {PlaceKind.DISTRICT, PlaceKind.AREA, PlaceKind.HOUSING},
    {PlaceKind.REGION, PlaceKind.GOVERNORATE},
    {PlaceKind.HILL, PlaceKind.HILLS, PlaceKind.MOUNTAIN},
    {PlaceKind.BASE, PlaceKind.AIRPORT},
]


# Radius in metres of the circle a place known only by a point gets, by kind: about the size of such a place.
BUFFER_M = {
    PlaceKind.CITY: 3000, PlaceKind.TOWN: 1500, PlaceKind.VILLAGE: 600, PlaceKind.LOCALITY: 800,
    PlaceKind.DISTRICT: 500, PlaceKind.AREA: 800, PlaceKind.BASE: 700, PlaceKind.AIRPORT: 1500,
    PlaceKind.ROUNDABOUT: 100, PlaceKind.JUNCTION: 150, PlaceKind.MOUNTAIN: 1500, PlaceKind.HILL: 400,
    PlaceKind.HILLS: 1500, PlaceKind.BRIDGE: 150, PlaceKind.ISLAND: 500, PlaceKind.HOSPITAL: 150,
    PlaceKind.HOUSING: 300, PlaceKind.CAMPUS: 400, PlaceKind.BORDER_CROSSING: 300, PlaceKind.REGION: 15000,
    PlaceKind.GOVERNORATE: 30000, PlaceKind.OTHER: 500,
}  # fmt: skip


MERGE_POINT_DISTANCE_M = 1000  # two points with the same name closer than this are one place


MERGE_MIN_SHARE = 0.8  # two outlines with the same name are one place when they share this much of the larger


MAX_NAME = 200


class ImportFileError(Exception):
    """The file cannot be imported at all; the message is one line saying why."""


@dataclass
class ImportOptions:
    layer: str | None = None
    name_field: str | None = None
    name_ar_field: str | None = None
    variants_field: str | None = None
    kind: str | None = None
    parent: str | None = None  # slug of an existing place
    srid: int | None = None  # the coordinates' CRS, when the file does not say (or says wrong)
    dry_run: bool = False


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    read: int = 0
    layer: str = ""
    crs: str = ""
    created: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    merged: list[tuple[str, str, str]] = field(default_factory=list)  # (feature, slug, what was added)
    repaired: list[tuple[str, str]] = field(default_factory=list)  # (feature, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (feature, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (feature, remark)
    approximate: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # method -> places

    @property
    def summary(self) -> str:
        return (
            f"created {len(self.created)}, merged {len(self.merged)}, repaired {len(self.repaired)}, "
            f"skipped {len(self.skipped)}"
        )

    def lines(self, *, list_created: bool = True) -> list[str]:
        where = f" (layer {self.layer!r}, {self.crs})" if self.layer else f" ({self.crs})"
        lines = [f"read {self.read} features from {self.source}{where}"]
        if list_created:
            lines += [f"created {slug}: {name}" for slug, name in self.created]
        lines += [f"merged {feature} into {slug}: {what}" for feature, slug, what in self.merged]
        lines += [f"repaired {feature}: {reason}" for feature, reason in self.repaired]
        lines += [f"skipped {feature}: {reason}" for feature, reason in self.skipped]
        lines += [f"note {feature}: {remark}" for feature, remark in self.notes]
        lines += [f"approximate footprints: {count} ({method})" for method, count in sorted(self.approximate.items())]
        lines.append(self.summary)
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "read": self.read,
            "created": len(self.created),
            "merged": len(self.merged),
            "repaired": len(self.repaired),
            "skipped": len(self.skipped),
            "lines": self.lines(),
        }
