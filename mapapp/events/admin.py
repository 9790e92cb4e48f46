"""Events in the admin: editors add and edit them (as drafts), reviewers publish them. Saved through
mapapp.services.events, whose rules run in the form's clean() so problems show beside their fields. Text from
the record is shown by the admin's templates, which escape it."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdminMixin

from mapapp import services
from mapapp.admin import NearChoices, ServiceHistoryAdmin
from mapapp.events import selectors
from mapapp.events.models import Event, EventState
from mapapp.models import ControlChange

_SERVICE_FIELDS = (
    "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2", "location_name", "admin_area",
    "geo_precision", "fatalities_best", "fatalities_low", "fatalities_high", "notes",
)  # fmt: skip


def change_label(row: dict) -> str:
    change = row["change"]
    what = change.title or ", ".join(place.name_en for place in change.places.all()[:3])
    state = "" if change.review_state == "published" else f" [{change.get_review_state_display()}]"
    return _("%(date)s %(actor)s: %(what)s (%(km)s km, %(days)+d days)%(state)s") % {
        "date": change.date.isoformat(),
        "actor": change.actor.name_en,
        "what": what,
        "km": f"{row['km']:.1f}",
        "days": row["days"],
        "state": state,
    }


class EventForm(forms.ModelForm):
    """`linked_changes` offers the control changes near the event in place and time (EVENT_LINK_KM,
    EVENT_LINK_DAYS) and those already linked, ticked: the links the change's form edits, from this side."""

    linked_changes = NearChoices(
        queryset=ControlChange.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Control changes it explains"),
        help_text=gettext_lazy("Changes near the event in place and time; tick those it explains."),
    )

    class Meta:
        model = Event
        fields = ["map", "date", "date_end", "date_precision", "event_type", "sub_event_type", "actor1", "actor2",
                  "actors", "location", "location_name", "admin_area", "geo_precision", "fatalities_best",
                  "fatalities_low", "fatalities_high", "sources", "notes"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance
        if event.pk is None or event.location is None:
            return  # a new event: linked once saved (EventAdmin.get_fields leaves the field out)
        linked = list(event.changes.values_list("pk", flat=True))
        rows = selectors.changes_near(event=event, include=linked)
        self.fields["linked_changes"].offer(rows, "change", change_label)
        self.initial["linked_changes"] = linked

    def clean(self):
        data = super().clean()
        map_ = data.get("map") or (self.instance.map if self.instance.map_id else None)
        if map_ is None or self.errors:
            return data
        try:
            services.event_validate(
                map=map_, on=data.get("date"), date_end=data.get("date_end"), event_type=data.get("event_type") or "",
                location=data.get("location"), date_precision=data.get("date_precision"),
                geo_precision=data.get("geo_precision"), fatalities_best=data.get("fatalities_best"),
                fatalities_low=data.get("fatalities_low"), fatalities_high=data.get("fatalities_high"),
                actors=list(data.get("actors") or []),
            )  # fmt: skip
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(Event)
class EventAdmin(LeafletGeoAdminMixin, ServiceHistoryAdmin):
    form = EventForm
    list_display = ("date", "event_type", "sub_event_type", "location_name", "actor1", "actor2", "fatalities_best",
                    "review_state", "map", "origin")  # fmt: skip
    list_filter = ("review_state", "map", "event_type", "origin")
    search_fields = ("event_type", "sub_event_type", "actor1", "actor2", "location_name", "notes", "external_id")
    date_hierarchy = "date"
    autocomplete_fields = ("sources",)
    filter_horizontal = ("actors",)
    readonly_fields = ("review_state", "origin", "external_id", "created_by", "created_at", "updated_at")
    actions = ["publish_events", "unpublish_events"]
    list_select_related = ("map",)
    change_list_template = "admin/mapapp/event/change_list.html"

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [name for name in fields if name != "linked_changes"]

    def get_readonly_fields(self, request, obj=None):
        fixed = self.readonly_fields
        return ("map", *fixed) if obj is not None else fixed

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or obj.review_state == EventState.DRAFT:
            return allowed
        # What the public sees is changed by reviewers only, as with control changes and sieges.
        return request.user.has_perm("mapapp.publish_event")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("mapapp.publish_event"):
            actions.pop("publish_events", None)
            actions.pop("unpublish_events", None)
        return actions

    def save_model(self, request, obj, form, change):
        pass  # saved with its actors and sources by save_related, through the service

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        fields = {name: data.get(name) for name in _SERVICE_FIELDS}
        for name in ("event_type", "sub_event_type", "actor1", "actor2", "location_name", "admin_area", "notes"):
            fields[name] = fields[name] or ""
        common = dict(on=data["date"], location=data["location"], actors=list(data.get("actors") or []),
                      sources=list(data.get("sources") or []), by=request.user, **fields)  # fmt: skip
        if change:
            services.event_update(event=form.instance, **common)
            if "linked_changes" in form.cleaned_data:
                services.event_changes_link(event=form.instance, changes=list(data.get("linked_changes") or []))
        else:
            # The admin logs and redirects with the object it built; give it the saved one's id.
            form.instance.pk = services.event_create(map=data["map"], **common).pk

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"changed": {"fields": sorted(form.changed_data)}}] if not add else [{"added": {}}]

    def _set_state(self, request, queryset, state):
        for event in queryset:
            services.event_set_review_state(event=event, state=state, by=request.user)
        self.message_user(request, _("%(count)d event(s) now %(state)s") % {"count": len(queryset), "state": state},
                          messages.SUCCESS)  # fmt: skip

    @admin.action(description=gettext_lazy("Publish the selected events"))
    def publish_events(self, request, queryset):
        self._set_state(request, queryset, EventState.PUBLISHED)

    @admin.action(description=gettext_lazy("Take the selected events back to drafts"))
    def unpublish_events(self, request, queryset):
        self._set_state(request, queryset, EventState.DRAFT)
