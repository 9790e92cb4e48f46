"""The write API for maps (v1, docs/contract.md, "maps of any size"): reviewers create a map over an area and set
its zones, as `manage.py map_create` does, through the same services. Authentication, errors and the JSON body
rules are the change API's (mapapp/api_write.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import orjson
import shapely
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gazetteer import index as name_index
from gazetteer.models import Place
from mapapp import api, services
from mapapp.answers import kept
from mapapp.api_write import (
    _date,
    _json_body,
    _map,
    _places_by_slug,
    _post_only,
    _refusal,
    _require,
    _string,
    _unknown_keys,
    write_view,
)
from mapapp.lib import geo, http
from mapapp.models import Actor, Map

MAP_FIELDS = {"slug", "title", "title_ar", "start", "end", "default_date", "area", "zones", "actors", "replace"}
ACTOR_FIELDS = {"slug", "name", "color"}
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def _polygons(value, field: str) -> shapely.MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon (WGS84), a Feature of one, or a FeatureCollection of them, united."""
    if not isinstance(value, dict):
        raise http.ApiError(_("%(field)s must be a GeoJSON polygon or FeatureCollection") % {"field": field}, field)
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or not features:
            raise http.ApiError(_("%(field)s has no features") % {"field": field}, field)
        geometries = [(f"{field}.features[{i}]", f.get("geometry") if isinstance(f, dict) else None) for i, f in
                      enumerate(features)]  # fmt: skip
    elif kind == "Feature":
        geometries = [(f"{field}.geometry", value.get("geometry"))]
    else:
        geometries = [(field, value)]
    shapes = []
    for where, geometry in geometries:
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            got = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
            raise http.ApiError(_("%(field)s must be a Polygon or MultiPolygon, got %(got)s")
                                % {"field": where, "got": got}, where)  # fmt: skip
        try:
            shape = shapely.from_geojson(orjson.dumps(geometry))
            shape, _reason = geo.repair_polygonal(shape)
        except (shapely.errors.GEOSException, ValueError) as exc:
            raise http.ApiError(_("%(field)s is not a usable polygon: %(why)s")
                                % {"field": where, "why": str(exc)[:200]}, where) from None  # fmt: skip
        minx, miny, maxx, maxy = shape.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise http.ApiError(_("%(field)s must be in longitude/latitude (WGS84)") % {"field": where}, where)
        shapes.append(shape)
    return geo.union(shapes)


def _zones(value, field: str = "zones") -> list[Place]:
    """Zones as a list of place slugs (any number; they must have footprints), or a GeoJSON FeatureCollection
    of named polygons imported as places (services.map_zones_import). Call inside the transaction."""
    if isinstance(value, list):
        if not value or not all(isinstance(slug, str) for slug in value):
            raise http.ApiError(_("zones must be a list of place slugs or a GeoJSON FeatureCollection"), field)
        slugs = list(dict.fromkeys(value))
        found = _places_by_slug(Place.objects.all(), slugs)
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise http.ApiError(_("unknown place %(place)s") % {"place": repr(missing[0])}, field)
        return [found[slug] for slug in slugs]
    if not isinstance(value, dict) or value.get("type") != "FeatureCollection":
        raise http.ApiError(_("zones must be a list of place slugs or a GeoJSON FeatureCollection"), field)
    _polygons(value, field)  # refuse what is not polygons before the importer reads it
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zones.geojson"
        path.write_bytes(orjson.dumps(value))
        return services.map_zones_import(path=path, label="zones")


def _map_actors(value) -> list[Actor]:
    """Actors by slug (existing), or {slug, name, color} (created when new)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise http.ApiError(_("actors must be a list of actor slugs or {slug, name, color}"), "actors")
    specs = []
    for index, item in enumerate(value):
        where = f"actors[{index}]"
        if isinstance(item, str):
            actor = Actor.objects.filter(slug=item).first()
            if actor is None:
                raise http.ApiError(_("unknown actor %(actor)s") % {"actor": repr(item)}, where)
            specs.append((actor.slug, actor.name_en, actor.color))
            continue
        if not isinstance(item, dict):
            raise http.ApiError(_("actors must be a list of actor slugs or {slug, name, color}"), where)
        _unknown_keys(item, ACTOR_FIELDS, f"{where}.")
        specs.append(tuple(_string(item, key, prefix=f"{where}.") for key in ("slug", "name", "color")))
    try:
        return services.actors_ensure(specs=specs)
    except ValidationError as exc:
        raise _refusal(exc, "actors.") from None


def map_json(map_: Map) -> dict:
    return {
        "slug": map_.slug,
        "title": map_.title_en,
        "title_ar": map_.title_ar,
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "default_date": map_.default_date.isoformat(),
        "zones": map_.places.count(),
        "area_km2": round(geo.area_km2(map_.area), 3),
        "actors": list(map_.actors.order_by("slug").values_list("slug", flat=True)),
    }


@write_view
def map_create(request: HttpRequest, user) -> HttpResponse:
    """POST /api/v1/maps (reviewers): a map over an area, as one zone or the given zones; all or nothing."""
    _post_only(request)
    _require(user, "mapapp.add_map", _("create maps"))
    body = _json_body(request)
    _unknown_keys(body, MAP_FIELDS)
    slug = _string(body, "slug")
    if not slug:
        raise http.ApiError(_("a map needs a slug"), "slug")
    title = _string(body, "title")
    if not title:
        raise http.ApiError(_("a map needs a title"), "title")
    replace = body.get("replace", False)
    if not isinstance(replace, bool):
        raise http.ApiError(_("replace must be true or false"), "replace")
    if replace:
        _require(user, "mapapp.change_map", _("change maps"))
    start, end = _date(body.get("start"), "start"), _date(body.get("end"), "end")
    default_date = _date(body.get("default_date"), "default_date", required=False)
    if "area" not in body and "zones" not in body:
        raise http.ApiError(_("a map needs an area (a GeoJSON polygon) or its zones"), "area")
    area = _polygons(body["area"], "area") if "area" in body else None
    existed = Map.objects.filter(slug=slug).exists()
    try:
        with transaction.atomic():  # actors, imported zones and the map together, or nothing
            actors = _map_actors(body.get("actors"))
            zones = _zones(body["zones"]) if "zones" in body else None
            map_ = services.map_create_over(
                slug=slug,
                title_en=title,
                title_ar=_string(body, "title_ar"),
                start=start,
                end=end,
                default_date=default_date,
                area=area,
                zones=zones,
                actors=actors,
                replace=replace,
            )
    except ValidationError as exc:
        name_index.invalidate()  # the search index may have seen places the rollback removed
        raise _refusal(exc) from None
    except http.ApiError:
        name_index.invalidate()
        raise
    response = http.json_response(map_json(map_), status=200 if existed else 201)
    response["Location"] = f"/api/v1/maps/{map_.slug}/zones"
    return response


@write_view
def map_zones_set(request: HttpRequest, user, slug: str) -> HttpResponse:
    """PUT /api/v1/maps/<slug>/zones (reviewers): {"zones": [...]} or a FeatureCollection as the whole body."""
    _require(user, "mapapp.change_map", _("change maps"))
    map_ = _map(slug)
    body = _json_body(request)
    value = body if body.get("type") == "FeatureCollection" else body.get("zones")
    if value is not body:
        _unknown_keys(body, {"zones"})
    if value is None:
        raise http.ApiError(_('send {"zones": [place slugs]} or a GeoJSON FeatureCollection'), "zones")
    try:
        with transaction.atomic():
            services.map_set_zones(map=map_, zones=_zones(value))
    except ValidationError as exc:
        name_index.invalidate()
        raise _refusal(exc) from None
    except http.ApiError:
        name_index.invalidate()
        raise
    map_.refresh_from_db()
    return http.json_response(map_json(map_))


@kept  # its GET (api.zones) is a kept read (mapapp/answers.py); the hook looks only at GET and HEAD
@csrf_exempt
def map_zones(request: HttpRequest, slug: str) -> HttpResponse:
    """/api/v1/maps/<slug>/zones: GET the zones on a date (public), PUT sets them (reviewers)."""
    if request.method == "PUT":
        return map_zones_set(request, slug)
    return api.zones(request, slug)
