"""A staff page: enclosed pockets that no recorded siege covers, per map, for editors to look at."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from mapapp import analytics
from mapapp.models import Actor, Map, Siege


def pocket_suggestions(request):
    """Enclosed pockets with no recorded siege, per map, on ?date= (default: each map's default date). Wrapped
    in admin_site.admin_view (staff login) in mapapp/urls.py; needs the permission to view sieges."""
    if not request.user.has_perm("mapapp.view_siege"):
        raise PermissionDenied
    error, day = "", None
    if request.GET.get("date"):
        try:
            day = dt.date.fromisoformat(request.GET["date"])
        except ValueError:
            error = f"date must be a date as YYYY-MM-DD, got {request.GET['date']!r}"
    maps = []
    actors = dict(Actor.objects.values_list("pk", "name_en"))
    for map_ in Map.objects.order_by("slug"):
        on = day or map_.default_date
        pieces = [p for p in analytics.pieces_at(map=map_, on=on) if p.enclosed and p.siege_id is None]
        zone_ids = [place_id for piece in pieces for place_id in piece.place_ids]
        names = dict(map_.places.filter(pk__in=zone_ids).values_list("pk", "name_en"))
        maps.append(
            {
                "map": map_,
                "date": on,
                "pockets": [
                    {
                        "actor": actors[piece.actor_id],
                        "area_km2": analytics.km2(piece.area_m2),
                        "places": sorted(names[i] for i in piece.place_ids),
                    }
                    for piece in sorted(pieces, key=lambda p: -p.area_m2)
                ],
            }
        )
    context = {
        **admin.site.each_context(request),
        "title": "Enclosed pockets without a recorded siege",
        "opts": Siege._meta,
        "maps": maps,
        "error": error,
        "date": request.GET.get("date", ""),
    }
    return TemplateResponse(request, "admin/mapapp/siege/suggestions.html", context)
