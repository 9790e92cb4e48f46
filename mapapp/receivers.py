"""mapapp's answers to what the gazetteer announces (gazetteer/signals.py); connected in MapappConfig.ready()."""

from __future__ import annotations

from gazetteer import signals
from mapapp import services
from mapapp.models import Map


def refresh_maps_of_places(sender, *, places, **kwargs) -> None:
    """A place's footprint changed: the area and edges of every map showing it are derived again."""
    services.maps_refresh_geometry(places=places)


def first_public_map_extent(sender, **kwargs) -> tuple[float, float, float, float] | None:
    """The ground the place admin's empty map widget opens on: the first public map's area."""
    first = Map.objects.public().exclude(area=None).order_by("slug").first()
    return first.area.extent if first is not None else None


def connect() -> None:
    signals.footprints_changed.connect(refresh_maps_of_places, dispatch_uid="mapapp-refresh-maps-of-places")
    signals.working_extent_requested.connect(first_public_map_extent, dispatch_uid="mapapp-working-extent")
