"""The admin, as editors and reviewers use it (roles in mapapp.roles).

Every save here goes through mapapp.services, so the admin keeps the same rules as the API: control changes
are marked on their own page (mapapp.admin_views.mark_change) and reviewed in a queue; a change form edits a
draft (reviewers: any change that is not withdrawn); sieges are saved by siege_record / siege_update with the
service's errors shown on the form; nothing is deleted (changes are withdrawn, and kept).

History pages (django-simple-history) show who changed what, when, before and after. simple-history's own
"revert" is switched off because it saves around the services; a control change is restored by
services.control_change_restore, which rebuilds the derived periods in the same transaction.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from gazetteer import index as name_index
from gazetteer.models import PlaceKind
from mapapp import admin_views, display, selectors, services, versioning
from mapapp.events import selectors as event_selectors
from mapapp.events.models import Event, EventState
from mapapp.lib import geo
from mapapp.models import (
    Actor,
    ApiToken,
    ControlChange,
    ControlPeriod,
    Job,
    Map,
    ReviewState,
    Siege,
    SiegePlace,
    SiegeSupply,
    Source,
)


class HistoryDeltaHelper(HistoricalRecordContextHelper):
    """The "what it changed" column: an empty value reads "—" (simple-history calls an empty foreign key
    "Deleted user (pk=None)"), a moment reads as the admin writes moments, not as an ISO string with microseconds."""

    def prepare_delta_change_value(self, change, value):
        if value is None or (isinstance(value, DeletedObject) and value.pk is None):
            return "—"
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
        return super().prepare_delta_change_value(change, value)


class ServiceHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's pages, read-only: a past version is looked at here and restored through a service."""

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryDeltaHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("restore through the history page's Restore button")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False  # the record is append-only: withdraw, reject or correct instead


# The newsroom's tool, not "Django administration": the login page and every admin page say what this is.
admin.site.site_header = admin.site.site_title = "Frontline Atlas"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Write-API tokens, listed with expiry, last use and state, and revoked here. Made with `manage.py api_tokens
    --create` (the key is shown once, on the command line); the admin never sees a key, only its hash."""

    list_display = ("name", "user", "created_at", "expires_at", "last_used_at", "state_label")
    list_filter = ("user",)
    search_fields = ("name", "user__username")
    ordering = ("-created_at",)
    readonly_fields = ("user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("state"))
    def state_label(self, token) -> str:
        return {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}[token.state()]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted: the list keeps who had access and until when

    @admin.action(description=gettext_lazy("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token)
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs (imports): each editor sees the ones they started, a superuser all; the job's own page
    (mapapp/admin_jobs.py) shows its progress and report."""

    list_display = ("created_at", "kind", "state", "progress", "started_by", "open_page")
    list_filter = ("state", "kind")
    ordering = ("-created_at",)

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, job) -> str:
        return f"{job.done} / {job.total}" if job.total else ""

    @admin.display(description=gettext_lazy("page"))
    def open_page(self, job):
        return format_html('<a href="{}">{}</a>', reverse("admin-job", args=[job.pk]), _("open"))

    def get_queryset(self, request):
        jobs = super().get_queryset(request).select_related("started_by")
        return jobs if request.user.is_superuser else jobs.filter(started_by=request.user)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or request.user.is_superuser or obj.started_by_id == request.user.pk
        )

    def has_add_permission(self, request) -> bool:
        return False  # started from an import page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_en", "name_ar", "color", "sort_order")


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["title", "url", "publisher", "published", "quote"]


@admin.register(Source)
class SourceAdmin(ServiceHistoryAdmin):
    form = SourceForm
    list_display = ("title", "publisher", "published", "url")
    search_fields = ("title", "publisher", "url", "quote")

    def _public_refusal(self, request, obj) -> str | None:
        """Only reviewers correct a source a published change, siege or event cites: the public map's citation
        would change at once, without review (docs/contract.md, "Editors' pages")."""
        if obj is None or request.user.has_perm("mapapp.publish_controlchange"):
            return None
        if obj.control_changes.filter(review_state=ReviewState.PUBLISHED).exists():
            return _("A published change cites this source: only a reviewer may correct it.")
        if obj.sieges.filter(review_state=ReviewState.PUBLISHED).exists():
            return _("A published siege cites this source: only a reviewer may correct it.")
        if obj.events.filter(review_state=EventState.PUBLISHED).exists():
            return _("A published event cites this source: only a reviewer may correct it.")
        return None

    def get_readonly_fields(self, request, obj=None):
        if self._public_refusal(request, obj):
            return ("title", "url", "publisher", "published", "quote")
        return super().get_readonly_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        reason = self._public_refusal(request, self.get_object(request, object_id))
        if reason and request.method == "GET":
            messages.info(request, reason)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if self._public_refusal(request, obj):
            return  # every field is read-only: nothing of the form's to save
        data = form.cleaned_data
        fields = {key: data.get(key) or "" for key in ("title", "url", "publisher", "quote")}
        if change:
            services.source_update(source=obj, published=data.get("published"), **fields)
        else:
            saved = services.source_create(published=data.get("published"), **fields)
            obj.pk = saved.pk


ZONES_KEEP, ZONES_AREA, ZONES_WITHIN, ZONES_FILE = "keep", "area", "within", "file"


class MapAdminForm(forms.ModelForm):
    """A map's own fields, and where its zones come from, without one form field per zone (a map of thousands of
    zones would send thousands: Django's TooManyFieldsSent). The zones are the drawn area as one zone, the places
    of a kind inside the drawn area, or the polygons of an uploaded file, imported as places; or left as they
    are. The area drawn is only a way to choose: the map's stored area is always the union of its zones."""

    zones_from = forms.ChoiceField(
        label=gettext_lazy("zones"),
        choices=[
            (ZONES_KEEP, gettext_lazy("keep the zones the map has")),
            (ZONES_AREA, gettext_lazy("one zone: the area drawn above")),
            (ZONES_WITHIN, gettext_lazy("the places of the kind below inside the area drawn above")),
            (ZONES_FILE, gettext_lazy("the polygons of the file below, imported as places")),
        ],
        widget=forms.RadioSelect,
    )
    zones_kind = forms.ChoiceField(
        label=gettext_lazy("kind of place"), choices=[("", "—"), *PlaceKind.choices], required=False
    )
    zones_file = forms.FileField(
        label=gettext_lazy("zones file"),
        required=False,
        help_text=gettext_lazy("GeoJSON, GeoPackage, KML/KMZ or a zipped shapefile of named polygons"),
    )

    class Meta:
        model = Map
        fields = [
            "slug", "title_en", "title_ar", "description_en", "description_ar", "start", "end", "default_date",
            "actors", "is_public", "credit", "frame_ancestors", "area",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zones_from"].initial = ZONES_KEEP if self.instance.pk else ZONES_AREA
        self.fields["area"].required = False
        self.fields["area"].help_text = _("draw the ground the map covers to choose its zones")
        if self.instance.pk:
            count = self.instance.places.count()
            self.fields["zones_from"].help_text = _("the map has %(count)s zones") % {"count": count}

    def clean(self):
        data = super().clean()
        choice = data.get("zones_from")
        area = data.get("area")
        if choice == ZONES_KEEP:
            if not self.instance.pk:
                self.add_error("zones_from", _("a new map needs zones: draw its area or upload a file"))
            data["area"] = self.instance.area  # derived from the zones, which stay
        elif choice in (ZONES_AREA, ZONES_WITHIN) and not area and "area" not in self.errors:
            self.add_error("area", _("draw the area first"))
        elif choice == ZONES_WITHIN and area:
            if not data.get("zones_kind"):
                self.add_error("zones_kind", _("choose the kind of place the zones are"))
            else:
                data["zones"] = selectors.places_within(area=area, kind=data["zones_kind"])
                if not data["zones"]:
                    self.add_error("area", _("no place of that kind inside the area drawn"))
        elif choice == ZONES_FILE:
            upload = data.get("zones_file")
            if not upload:
                self.add_error("zones_file", _("choose a file of zones"))
                return data
            # Imported here, so that a bad file is shown on the form; MapAdmin.changeform_view rolls the places
            # back unless the whole form is saved.
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(upload.name).name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    data["zones"] = services.map_zones_import(path=path, label=upload.name)
                except ValidationError as exc:
                    self.add_error("zones_file", exc.messages[0])
        return data


@admin.register(Map)
class MapAdmin(LeafletGeoAdminMixin, admin.ModelAdmin):
    form = MapAdminForm
    list_display = ("slug", "title_en", "start", "end", "default_date", "is_public", "data_version")
    filter_horizontal = ("actors",)
    readonly_fields = ("data_version",)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The map's fields, an imported zones file and its zones are saved together or not at all: a form shown
        # again with its errors (not a redirect) keeps none of the places its file import made.
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            saved = response.status_code == 302 or IS_POPUP_VAR in request.POST  # a popup answers 200 when saved
            if request.method == "POST" and not saved:
                transaction.set_rollback(True)
                name_index.invalidate()  # the search index may have seen places the rollback removed
        return response

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data, map_ = form.cleaned_data, form.instance
        choice = data["zones_from"]
        if choice == ZONES_KEEP:
            return
        if choice == ZONES_AREA:
            zones = [
                services.map_area_zone(
                    slug=map_.slug, title_en=map_.title_en, title_ar=map_.title_ar, area=geo.to_shapely(data["area"])
                )
            ]
        else:
            zones = data["zones"]  # found (within) or imported (file) by the form
        services.map_set_zones(map=map_, zones=zones)


class NearChoices(forms.ModelMultipleChoiceField):
    """Records to tick (the events near a change, the changes near an event), each labelled with how near it is."""

    labels: dict[int, str] = {}

    def offer(self, rows: list[dict], key: str, label) -> None:
        """Offer `row[key]` of each row, nearest first as the rows come (the queryset alone would order them by
        date), each labelled `label(row)`."""
        records = [row[key] for row in rows]
        self.queryset = self.queryset.model.objects.filter(pk__in=[record.pk for record in records])
        self.labels = {row[key].pk: label(row) for row in rows}
        order = {record.pk: index for index, record in enumerate(records)}
        self.choices = sorted(self.choices, key=lambda choice: order.get(getattr(choice[0], "value", choice[0]), 0))

    def label_from_instance(self, obj):
        return self.labels.get(obj.pk) or str(obj)


def near_label(row: dict) -> str:
    event = row["event"]
    where = f" — {event.location_name}" if event.location_name else ""
    state = "" if event.review_state == "published" else f" [{event.get_review_state_display()}]"
    return _("%(event)s%(where)s (%(km)s km, %(days)+d days)%(state)s") % {
        "event": f"{event.date.isoformat()} {event.event_type}",
        "where": where,
        "km": f"{row['km']:.1f}",
        "days": row["days"],
        "state": state,
    }


class ControlChangeForm(forms.ModelForm):
    """Edits a change; the service's rules run in clean() so errors appear next to their fields. `linked_events`
    offers the events near the change in place and time (EVENT_LINK_KM, EVENT_LINK_DAYS) and those already
    linked, ticked."""

    linked_events = NearChoices(
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Events it explains"),
        help_text=gettext_lazy("Events near the change in place and time; tick those that explain it."),
    )

    class Meta:
        model = ControlChange
        fields = ["date", "date_precision", "places", "actor", "status", "confidence", "title", "note", "sources"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        change = self.instance
        if change.pk is None:
            return
        linked = list(change.events.values_list("pk", flat=True))
        rows = event_selectors.events_near(
            maps=event_selectors.change_maps(change=change),
            on=change.date,
            ground=event_selectors.ground_of(geometry=change.geometry, places=list(change.places.all())),
            include=linked,
        )
        self.fields["linked_events"].offer(rows, "event", near_label)
        self.initial["linked_events"] = linked

    def clean(self):
        data = super().clean()
        try:
            services.control_change_validate(
                on=data.get("date"),
                places=list(data.get("places") or []),
                actor=data.get("actor"),
                status=data.get("status"),
                confidence=data.get("confidence"),
                sources=list(data.get("sources") or []),
                date_precision=data.get("date_precision"),
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, problems)
        return data


@admin.register(ControlChange)
class ControlChangeAdmin(ServiceHistoryAdmin):
    form = ControlChangeForm
    list_display = ("date", "actor", "status", "confidence", "review_state", "title", "created_by")
    list_filter = ("review_state", "actor", "status", "confidence")
    search_fields = ("title", "note", "places__name_en", "places__name_ar", "places__names__name")
    date_hierarchy = "date"
    filter_horizontal = ("places", "sources")
    readonly_fields = ("review_state", "review_note", "created_by", "created_at", "reviewed_by", "reviewed_at")
    change_list_template = "admin/mapapp/controlchange/change_list.html"
    object_history_list_template = "admin/mapapp/controlchange/history_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("mark/", view(admin_views.mark_change), name="mapapp_controlchange_mark"),
            path("review/", view(admin_views.review_queue), name="mapapp_controlchange_review"),
            path("<int:change_id>/act/", view(admin_views.review_act), name="mapapp_controlchange_act"),
            path(
                "<int:change_id>/restore/<int:version_id>/",
                view(admin_views.restore_version),
                name="mapapp_controlchange_restore",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:mapapp_controlchange_mark"))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed:
            return allowed
        if obj.review_state == ReviewState.WITHDRAWN:
            return False
        # Editors correct drafts (their own or another's); what the public sees is changed by reviewers only.
        return obj.review_state == ReviewState.DRAFT or request.user.has_perm("mapapp.publish_controlchange")

    def save_model(self, request, obj, form, change):
        pass  # saved with its places and sources by save_related, through the service

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        services.control_change_update(
            change=form.instance,
            on=data["date"],
            places=list(data["places"]),
            actor=data["actor"],
            sources=list(data["sources"]),
            status=data["status"],
            confidence=data["confidence"],
            date_precision=data["date_precision"],
            title=data.get("title", ""),
            note=data.get("note", ""),
            by=request.user,
        )
        services.change_events_link(change=form.instance, events=list(data.get("linked_events") or []))

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"changed": {"fields": sorted(form.changed_data)}}]


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
    extra = 1
    autocomplete_fields = ("place",)
    verbose_name = gettext_lazy("besieged place")
    verbose_name_plural = gettext_lazy("besieged places (with the day each was relieved, if before the end)")


class SiegeSupplyForm(forms.ModelForm):
    class Meta:
        model = SiegeSupply
        fields = ["method", "start", "end", "note"]

    def clean(self):
        data = super().clean()
        if data.get("method") and data.get("start"):
            problem = services.supply_problem(method=data["method"], start=data["start"], end=data.get("end"))
            if problem:
                self.add_error("end", problem)  # also keeps the database constraint's bare message away
        return data


class SiegeSupplyInline(admin.TabularInline):
    model = SiegeSupply
    form = SiegeSupplyForm
    extra = 0
    verbose_name_plural = gettext_lazy("how the besieged were supplied")


class SiegeForm(forms.ModelForm):
    class Meta:
        model = Siege
        fields = [
            "slug",
            "name_en",
            "name_ar",
            "besieged_actor",
            "besieging_actors",
            "start",
            "start_precision",
            "end",
            "sources",
            "note",
        ]

    def clean(self):
        """The service's rules for the siege's own fields, next to those fields (places and supply lines are
        checked when saving; their reasons come back on the form if the service refuses)."""
        data = super().clean()
        try:
            services.siege_validate(
                besieged_actor=data.get("besieged_actor"),
                besieging_actors=list(data.get("besieging_actors") or []),
                start=data.get("start"),
                end=data.get("end"),
                start_precision=data.get("start_precision"),
                places=[],  # the inline rows are checked by the service on save ("places" is not a field here)
                sources=list(data.get("sources") or []),
                supplies=[],
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, problems)
        return data


class _Refused(Exception):
    def __init__(self, error: ValidationError):
        self.error = error


@admin.register(Siege)
class SiegeAdmin(ServiceHistoryAdmin):
    """The siege form: the siege, its places and its supply lines, saved together by siege_record (new) or
    siege_update (existing). When the service refuses, the form is shown again with its reasons."""

    form = SiegeForm
    list_display = ("slug", "name_en", "besieged_actor", "start", "end", "review_state")
    list_filter = ("review_state", "besieged_actor")
    search_fields = ("slug", "name_en", "name_ar")
    inlines = [SiegePlaceInline, SiegeSupplyInline]
    filter_horizontal = ("besieging_actors", "sources")
    readonly_fields = ("review_state",)
    actions = ["publish_sieges", "withdraw_sieges"]

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "review_state") if obj is not None else ("review_state",)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None or not allowed or obj.review_state == ReviewState.DRAFT:
            return allowed
        return request.user.has_perm("mapapp.publish_siege")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("mapapp.publish_siege"):
            actions.pop("publish_sieges", None)
            actions.pop("withdraw_sieges", None)
        return actions

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused as refused:
            # Everything was rolled back; show the same form again, this time with the service's reasons.
            request._siege_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_siege_refusal", None)
        if refusal is None:
            return form_class

        class RefusedSiegeForm(form_class):
            def clean(self):
                data = super().clean()
                for field, problems in refusal.message_dict.items():
                    self.add_error(field if field in self.fields else None, problems)
                return data

        return RefusedSiegeForm

    def save_model(self, request, obj, form, change):
        pass  # saved with its places and supply lines by save_related, through the service

    def save_related(self, request, form, formsets, change):
        rows = {formset.model: [] for formset in formsets}
        for formset in formsets:
            for row in formset.forms:
                data = getattr(row, "cleaned_data", None)
                if data and not data.get("DELETE"):
                    rows[formset.model].append(data)
        data = form.cleaned_data
        arguments = {
            "name_en": data["name_en"],
            "name_ar": data.get("name_ar", ""),
            "besieged_actor": data["besieged_actor"],
            "besieging_actors": list(data["besieging_actors"]),
            "start": data["start"],
            "end": data.get("end"),
            "start_precision": data["start_precision"],
            "places": [(row["place"], row.get("until")) for row in rows.get(SiegePlace, []) if row.get("place")],
            "supplies": [
                (row["method"], row["start"], row.get("end"), row.get("note", ""))
                for row in rows.get(SiegeSupply, [])
                if row.get("method")
            ],
            "sources": list(data["sources"]),
            "note": data.get("note", ""),
            "by": request.user,
        }
        try:
            if change:
                services.siege_update(siege=form.instance, **arguments)
            else:
                siege = services.siege_record(slug=data["slug"], **arguments)
                form.instance.pk = siege.pk
        except ValidationError as exc:
            raise _Refused(exc) from None

    def construct_change_message(self, request, form, formsets, add=False):
        return [{"added": {}}] if add else [{"changed": {"fields": sorted(form.changed_data)}}]

    def _set_state(self, request, queryset, state):
        done = 0
        with versioning.bumps_held():  # each map's data version moves once for all the selected sieges
            for siege in queryset:
                try:
                    services.siege_set_review_state(siege=siege, state=state, by=request.user)
                    done += 1
                except ValidationError as exc:
                    self.message_user(request, f"{siege.slug}: {exc.messages[0]}", messages.WARNING)
        if done:
            message = _("%(count)s siege(s) now %(state)s") % {"count": done, "state": display.word(state)}
            self.message_user(request, message)

    @admin.action(description=gettext_lazy("Publish the selected sieges"))
    def publish_sieges(self, request, queryset):
        self._set_state(request, queryset, ReviewState.PUBLISHED)

    @admin.action(description=gettext_lazy("Withdraw the selected sieges from the public map"))
    def withdraw_sieges(self, request, queryset):
        self._set_state(request, queryset, ReviewState.WITHDRAWN)


# Events have their own module (mapapp/events/admin.py); imported here so the admin's autodiscovery finds it.
from mapapp.events import admin as _events_admin  # noqa: E402, F401
