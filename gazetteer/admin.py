from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from gazetteer.models import Place, PlaceName


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    extra = 0
    fields = ("name", "language", "kind", "search_key")
    readonly_fields = ("search_key",)


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "name_ar", "kind", "parent", "footprint_approximate", "area_km2")
    list_filter = ("kind", "footprint_approximate", "maps")
    search_fields = ("slug", "name_en", "name_ar", "names__name", "names__search_key")
    readonly_fields = ("area_km2", "created_at", "updated_at")
    inlines = [PlaceNameInline]
