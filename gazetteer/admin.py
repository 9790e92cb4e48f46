from django.contrib import admin, messages
from django.utils.translation import gettext as _
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from gazetteer.forms import PlaceForm, place_save
from gazetteer.models import Place, PlaceName


class PlaceNameInline(admin.TabularInline):
    model = PlaceName
    extra = 0
    fields = ("name", "language", "kind", "search_key")
    readonly_fields = ("search_key",)


class ParentFilter(admin.SimpleListFilter):
    """Only the places that have parts (a list of every place would be as long as the gazetteer)."""

    title = "parent"
    parameter_name = "parent"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.name_en) for p in Place.objects.filter(children__isnull=False).distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(parent_id=self.value()) if self.value() else queryset


@admin.register(Place)
class PlaceAdmin(LeafletGeoAdminMixin, SimpleHistoryAdmin):
    form = PlaceForm  # outlines checked at the door; saved through gazetteer.services (editor workflow, #4)
    list_display = ("slug", "name_en", "name_ar", "kind", "parent", "footprint_approximate", "area_km2")
    list_filter = ("maps", "kind", ParentFilter, "footprint_approximate")
    search_fields = ("slug", "name_en", "name_ar", "names__name", "names__search_key")
    readonly_fields = ("area_km2", "created_at", "updated_at")
    inlines = [PlaceNameInline]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "slug") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        place, reason = place_save(form=form, change=change, by=request.user)
        if place is not obj:  # created by the service: the admin goes on with `obj` (inlines, log, redirect)
            obj.pk = place.pk
            obj._state.adding = False
            obj.refresh_from_db()
        if reason:
            message = _("The outline was not valid (%(reason)s); it was repaired before saving. Check its shape.")
            messages.warning(request, message % {"reason": reason})

    def save_formset(self, request, form, formset, change):
        # Names keep their search key (gazetteer.normalize), which the admin's inline does not compute.
        from gazetteer.normalize import search_key

        for name in formset.save(commit=False):
            name.place = form.instance
            name.search_key = search_key(name.name)
            name.save()
        for name in formset.deleted_objects:
            name.delete()

    def has_delete_permission(self, request, obj=None):
        return False  # control changes and sieges refer to places; rename or redraw instead
