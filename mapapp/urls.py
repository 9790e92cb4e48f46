from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from mapapp import (
    admin_jobs,
    admin_pockets,
    api,
    api_analytics,
    api_films,
    api_maps,
    api_places,
    api_write,
    corrections,
    embed_views,
    feeds,
    openapi,
    views,
)
from mapapp.events import api as events_api
from mapapp.events import api_write as events_write
from mapapp.lib.http import json_response
from mapapp.ogc import views as ogc

handler404 = "mapapp.errors.not_found"
handler500 = "mapapp.errors.server_error"


def schema_view(request):
    return json_response(openapi.schema())


# A map's reads and writes, under one prefix and first: Django tries patterns in order, and these are the requests
# that come by the thousand (a kept answer or a 304 costs little more than finding its view).
MAP_API = [
    path("zones", api_maps.map_zones, name="api-zones"),
    path("changes", api_write.map_changes, name="api-changes"),
    path("changes/preview", api_write.change_preview_view, name="api-change-preview"),
    path("timeline", api.timeline, name="api-timeline"),
    path("geometry", api.geometry, name="api-geometry"),
    path("topology", api.topology, name="api-topology"),
    path("history", api.history, name="api-history"),
    path("fronts", api_analytics.fronts, name="api-fronts"),
    path("sieges", api_analytics.sieges, name="api-sieges"),
    path("pockets", api_analytics.pockets, name="api-pockets"),
    path("stats/area", api_analytics.area_stats, name="api-stats-area"),
    path("events", events_write.map_events, name="api-events"),
    path("events/days", events_api.event_days, name="api-event-days"),
    path("events/near", events_write.events_near, name="api-events-near"),
    path("export", api.map_export, name="api-export"),
    path("films", api_films.film_request, name="api-films"),
]

urlpatterns = [
    path("api/v1/maps/<slug:slug>/", include(MAP_API)),
    path("", views.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/feed.atom", feeds.feed_atom, name="feed-atom"),
    path("maps/<slug:slug>/feed.json", feeds.feed_json, name="feed-json"),
    path("maps/<slug:slug>/changes/", corrections.changes_log, name="changes-log"),
    path("maps/<slug:slug>/changes/<int:change_id>/", corrections.change_page, name="change-page"),
    path("maps/<slug:slug>/films/<str:name>", api_films.film_file, name="film-file"),
    path("embed/<slug:slug>/", embed_views.embed_page, name="embed"),
    path("embed/<slug:slug>/image.png", embed_views.embed_image, name="embed-image"),
    path("oembed", embed_views.oembed, name="oembed"),
    path("api/v1/schema", schema_view, name="api-schema"),
    path("api/v1/maps/", api.maps_list, name="api-maps"),
    path("api/v1/maps", api_maps.map_create, name="api-map-create"),
    path("api/v1/changes/publish", api_write.changes_publish, name="api-changes-publish"),
    path("api/v1/changes/<int:change_id>", api_write.change_detail, name="api-change"),
    path("api/v1/changes/<int:change_id>/publish", api_write.change_publish, name="api-change-publish"),
    path("api/v1/changes/<int:change_id>/reject", api_write.change_reject, name="api-change-reject"),
    path("api/v1/changes/<int:change_id>/restore", api_write.change_restore, name="api-change-restore"),
    path("api/v1/changes/<int:change_id>/history", api_write.change_history, name="api-change-history"),
    path("api/v1/places", api_places.places, name="api-places"),
    path("api/v1/places/match", api_places.places_match, name="api-places-match"),
    path("api/v1/events/<int:event_id>", events_write.event_detail, name="api-event"),
    path("api/v1/films/<int:job_id>", api_films.film_status, name="api-film-status"),
    path("ogc/", ogc.landing, name="ogc-landing"),
    path("ogc/conformance", ogc.conformance, name="ogc-conformance"),
    path("ogc/collections", ogc.collections, name="ogc-collections"),
    path("ogc/collections/<slug:slug>", ogc.collection, name="ogc-collection"),
    path("ogc/collections/<slug:slug>/items", ogc.items, name="ogc-items"),
    path("ogc/collections/<slug:slug>/items/<int:item_id>", ogc.item, name="ogc-item"),
    path("ogc/collections/<slug:slug>.events", ogc.event_collection, name="ogc-event-collection"),
    path("ogc/collections/<slug:slug>.events/items", ogc.event_items, name="ogc-event-items"),
    path("ogc/collections/<slug:slug>.events/items/<int:item_id>", ogc.event_item, name="ogc-event-item"),
    path("admin/pockets/", admin.site.admin_view(admin_pockets.pocket_suggestions), name="admin-pocket-suggestions"),
    # The admin's imports run as background jobs (mapapp/admin_jobs.py); the places' keeps its old address.
    *[
        path(route, admin.site.admin_view(view), name=name)
        for route, view, name in (
            ("admin/gazetteer/place/import/", admin_jobs.places_import_page, "admin-import-places"),
            ("admin/imports/control/", admin_jobs.control_import_page, "admin-import-control"),
            ("admin/imports/events/", admin_jobs.events_import_page, "admin-import-events"),
            ("admin/jobs/<int:job_id>/", admin_jobs.job_page, "admin-job"),
            ("admin/jobs/<int:job_id>/status", admin_jobs.job_status_view, "admin-job-status"),
            ("admin/jobs/<int:job_id>/cancel", admin_jobs.job_cancel_view, "admin-job-cancel"),
            ("admin/jobs/<int:job_id>/confirm", admin_jobs.job_confirm_view, "admin-job-confirm"),
        )
    ],
    path("admin/", admin.site.urls),
]
