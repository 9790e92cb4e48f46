from django.contrib import admin
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from mapapp.models import Actor, ControlChange, ControlPeriod, Map, Siege, SiegePlace, SiegeSupply, Source


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_ar", "color", "sort_order")


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ("title", "publisher", "published", "url")
    search_fields = ("title", "publisher", "url", "quote")


@admin.register(Map)
class MapAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    list_display = ("slug", "title_en", "start", "end", "default_date", "is_public", "data_version")
    filter_horizontal = ("actors", "places")
    readonly_fields = ("data_version",)


@admin.register(ControlChange)
class ControlChangeAdmin(SimpleHistoryAdmin):
    list_display = ("date", "actor", "status", "confidence", "review_state", "title")
    list_filter = ("review_state", "actor", "status", "confidence")
    search_fields = ("title", "note", "places__name_en", "places__name_ar")
    date_hierarchy = "date"
    filter_horizontal = ("places", "sources")


@admin.register(ControlPeriod)
class ControlPeriodAdmin(admin.ModelAdmin):
    """Derived rows: shown for checking, never edited."""

    list_display = ("place", "actor", "status", "valid_from", "valid_to", "held_since")
    list_filter = ("actor", "status")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SiegePlaceInline(admin.TabularInline):
    model = SiegePlace
    extra = 0


class SiegeSupplyInline(admin.TabularInline):
    model = SiegeSupply
    extra = 0


@admin.register(Siege)
class SiegeAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name_en", "besieged_actor", "start", "end", "review_state")
    inlines = [SiegePlaceInline, SiegeSupplyInline]
    filter_horizontal = ("besieging_actors", "sources")
