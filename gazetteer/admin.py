import math

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from gazetteer import selectors, signals
from gazetteer.forms import PlaceForm, place_save
from gazetteer.models import Place, PlaceName
from gazetteer.normalize import search_key


class PlaceNameInline(admin.TabularInline):
    """A place's spellings. They are what public search and the map's labels find a zone of a public map by:
    for such a zone only reviewers add, change or delete them (signals.public_edit_refusal); an editor sees them
    read-only, and a forged POST of the inline is not even read (PlaceAdmin.save_formset)."""

    model = PlaceName
    extra = 0
    fields = ("name", "language", "kind", "search_key")
    readonly_fields = ("search_key",)

    def _refused(self, request, obj) -> bool:
        return obj is not None and bool(signals.public_edit_refusal(place=obj, user=request.user))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._refused(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._refused(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._refused(request, obj)


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
    change_list_template = "admin/gazetteer/place/change_list.html"

    # What the public sees of a place: for a zone of a public map only reviewers may change these
    # (signals.public_edit_refusal; the form leaves read-only fields out, so a forged POST changes nothing).
    PUBLIC_FIELDS = ("name_en", "name_ar", "kind", "label_point", "footprint")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        if signals.public_edit_refusal(place=obj, user=request.user):
            return (*self.readonly_fields, "slug", *self.PUBLIC_FIELDS)
        return (*self.readonly_fields, "slug")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        place = self.get_object(request, object_id)
        reason = signals.public_edit_refusal(place=place, user=request.user) if place is not None else None
        if reason and request.method == "GET":
            messages.info(request, reason)
        return super().change_view(request, object_id, form_url, extra_context)

    @property
    def settings_overrides(self):
        """An empty map widget opens on the ground the maps cover, not on the whole world (a new place is drawn
        where the others are); a place that has a footprint opens on it, as before."""
        extent = signals.working_extent()  # mapapp answers with its first public map's area
        if extent is None:
            return {}
        west, south, east, north = extent
        span = max(east - west, north - south, 1e-4)
        return {
            "DEFAULT_CENTER": ((south + north) / 2, (west + east) / 2),
            "DEFAULT_ZOOM": min(16, int(math.log2(360 / span)) + 1),
        }

    def save_model(self, request, obj, form, change):
        place, reason = place_save(form=form, change=change, by=request.user)
        if place is not obj:  # created by the service: the admin goes on with `obj` (inlines, log, redirect)
            obj.pk = place.pk
            obj._state.adding = False
            obj.refresh_from_db()
        repaired = [part for part in reason.split("; ") if part and not part.startswith("simplified from")]
        simplified = [part for part in reason.split("; ") if part.startswith("simplified from")]
        if repaired:
            message = _("The outline was not valid (%(reason)s); it was repaired before saving. Check its shape.")
            messages.warning(request, message % {"reason": "; ".join(repaired)})
        if simplified:
            message = _("The outline had too many points: %(what)s. Check its shape.")
            messages.warning(request, message % {"what": simplified[0]})

    def save_formset(self, request, form, formset, change):
        refused = change and signals.public_edit_refusal(place=form.instance, user=request.user)
        if formset.model is PlaceName and refused:
            # A public zone's spellings are the reviewers' (PlaceNameInline): whatever was posted is ignored, and
            # the admin's change message lists nothing.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        # Names keep their search key (gazetteer.normalize), which the admin's inline does not compute.
        for name in formset.save(commit=False):
            name.place = form.instance
            name.search_key = search_key(name.name)
            name.save()
        for name in formset.deleted_objects:
            name.delete()

    def has_delete_permission(self, request, obj=None):
        return False  # control changes and sieges refer to places; rename or redraw instead

    def get_search_results(self, request, queryset, search_term):
        """The usual search, plus the gazetteer's: every spelling, either script, "Jura" or "الجوره" for al-Joura."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term or len(term) > 200:
            return found, may_have_duplicates
        try:
            slugs = [result["slug"] for result in selectors.places_search(q=term, limit=50)]
        except ValueError:  # nothing searchable in the term
            return found, may_have_duplicates
        return found | queryset.filter(slug__in=slugs), True
