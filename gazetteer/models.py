"""Places and their names. Writes go through gazetteer.services; nothing else saves these."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class PlaceKind(models.TextChoices):
    CITY = "city", "city"
    TOWN = "town", "town"
    VILLAGE = "village", "village"
    DISTRICT = "district", "district"
    AREA = "area", "area"
    BASE = "base", "military base"
    AIRPORT = "airport", "airport"
    ROUNDABOUT = "roundabout", "roundabout"
    JUNCTION = "junction", "junction"
    MOUNTAIN = "mountain", "mountain"
    HILL = "hill", "hill"
    HILLS = "hills", "hills"
    BRIDGE = "bridge", "bridge"
    ISLAND = "island", "island"
    HOSPITAL = "hospital", "hospital"
    HOUSING = "housing", "housing"
    CAMPUS = "campus", "campus"
    BORDER_CROSSING = "border-crossing", "border crossing"
    REGION = "region", "region"
    GOVERNORATE = "governorate", "governorate"
    LOCALITY = "locality", "locality"
    OTHER = "other", "other"
    # A piece of a zone split by a control change's boundary; its parent is the zone (mapapp.services.parts).
    PART = "part", "part of a zone"


class CoordBasis(models.TextChoices):
    SOURCED = "sourced", "sourced"
    ESTIMATED = "estimated", "estimated"


# Digits of the stored footprint GeoJSON (about 0.1 m: finer than any footprint we hold); the zones answer's.
FOOTPRINT_GEOJSON_PRECISION = 6


class ForcePolygonCCW(GeoFunc):
    """Exterior rings counter-clockwise and interior rings clockwise (RFC 7946 section 3.1.6): PostGIS and
    SpatiaLite 5 both have ST_ForcePolygonCCW, deterministic in both, so it may make a generated column."""

    function = "ST_ForcePolygonCCW"
    geom_param_pos = (0,)


class StoredGeoJSON(AsGeoJSON):
    """AsGeoJSON for a generated column: its arguments joined by a bare comma, because Django's SQLite introspection
    reads a table's columns by splitting its CREATE TABLE at ", " (a generated expression with that inside broke
    get_table_description and with it the schema editor's reads of the table)."""

    arg_joiner = ","

    @property
    def name(self) -> str:  # the database function GeoFunc looks up: AsGeoJSON's own (ST_AsGeoJSON on PostGIS)
        return "AsGeoJSON"


class PlaceQuerySet(models.QuerySet):
    def with_footprint(self):
        return self.exclude(footprint__isnull=True)


class Place(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    name_en = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=PlaceKind.choices, default=PlaceKind.OTHER)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    footprint = models.MultiPolygonField(srid=4326, null=True, blank=True)
    label_point = models.PointField(srid=4326)
    # False only for footprints that were surveyed or imported from a real GIS file.
    footprint_approximate = models.BooleanField(default=True)
    footprint_method = models.CharField(max_length=200, blank=True)
    coord_basis = models.CharField(max_length=16, choices=CoordBasis.choices, default=CoordBasis.SOURCED)
    uncertainty_m = models.PositiveIntegerField(null=True, blank=True)
    # Cached by gazetteer.services from the footprint, on an equal-area projection.
    area_km2 = models.FloatField(null=True, blank=True)
    source = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The footprint's GeoJSON as the zones answer sends it (RFC 7946 winding, FOOTPRINT_GEOJSON_PRECISION digits),
    # written by the database whenever the footprint is: the answer concatenates this text instead of asking
    # ST_AsGeoJSON for every zone on every request. Derived, so not versioned (history leaves it out).
    footprint_geojson = models.GeneratedField(
        expression=StoredGeoJSON(ForcePolygonCCW("footprint"), precision=FOOTPRINT_GEOJSON_PRECISION),
        output_field=models.TextField(null=True),
        db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["footprint_geojson"])
    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name_en


class NameKind(models.TextChoices):
    OFFICIAL = "official", "official"
    VARIANT = "variant", "variant"
    HISTORIC = "historic", "historic"
    TRANSLITERATION = "transliteration", "transliteration"


class PlaceName(models.Model):
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    language = models.CharField(max_length=12, help_text="BCP 47 code: ar, en, fr ...")
    kind = models.CharField(max_length=20, choices=NameKind.choices, default=NameKind.VARIANT)
    # Normalised by gazetteer.normalize.search_key(); exact-key lookups in places search use this index.
    search_key = models.CharField(max_length=300, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        ordering = ["place_id", "kind", "language", "name"]
        constraints = [
            models.UniqueConstraint(fields=["place", "name", "language"], name="placename_unique_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"
