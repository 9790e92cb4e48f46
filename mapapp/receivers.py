"""mapapp's answers to what the gazetteer announces (gazetteer/signals.py), and to each new database connection;
connected in MapappConfig.ready()."""

from __future__ import annotations

from django.db.backends.signals import connection_created
from django.utils.translation import gettext as _

from gazetteer import signals
from mapapp import services
from mapapp.models import Map

PUBLISH = "mapapp.publish_controlchange"  # what makes a reviewer (mapapp.roles)


def refresh_maps_of_places(sender, *, places, **kwargs) -> None:
    """A place's footprint changed: the area and edges of every map showing it are derived again."""
    services.maps_refresh_geometry(places=places)


def first_public_map_extent(sender, **kwargs) -> tuple[float, float, float, float] | None:
    """The ground the place admin's empty map widget opens on: the first public map's area."""
    first = Map.objects.public().exclude(area=None).order_by("slug").first()
    return first.area.extent if first is not None else None


def sqlite_busy_timeout(sender, connection, **kwargs) -> None:
    """Give SQLite the busy timeout of settings (OPTIONS["timeout"]) back after SpatiaLite has loaded: loading
    mod_spatialite sets the connection's busy timeout to 5 s, silently shortening how long a writer queues."""
    if connection.vendor != "sqlite":
        return
    milliseconds = int(float(connection.settings_dict["OPTIONS"].get("timeout", 5)) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")


def public_zone_refusal(sender, *, place, user, **kwargs) -> str | None:
    """Only reviewers change what a public map shows of a place (docs/contract.md, "Editors' pages"): an edit to a
    zone's names, footprint, label point or kind would show on the public map at once, without review."""
    if place is None or place.pk is None or user.has_perm(PUBLISH):
        return None
    public = list(Map.objects.public().filter(places=place).order_by("slug").values_list("slug", flat=True))
    if not public:
        return None
    return _(
        "%(place)s is a zone of the public map %(maps)s: only a reviewer may change its names, footprint, "
        "label point or kind, since the public map would show the edit at once."
    ) % {"place": place.slug, "maps": ", ".join(public)}


def connect() -> None:
    connection_created.connect(sqlite_busy_timeout, dispatch_uid="mapapp-sqlite-busy-timeout")
    signals.footprints_changed.connect(refresh_maps_of_places, dispatch_uid="mapapp-refresh-maps-of-places")
    signals.working_extent_requested.connect(first_public_map_extent, dispatch_uid="mapapp-working-extent")
    signals.public_edit_refusal_requested.connect(public_zone_refusal, dispatch_uid="mapapp-public-zone-refusal")
