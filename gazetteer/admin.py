import dataclasses
import math
import secrets
import shutil
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from leaflet.admin import LeafletGeoAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from gazetteer import selectors, signals
from gazetteer.forms import PlaceForm, place_save
from gazetteer.importer import SUFFIXES, ImportFileError, ImportOptions, places_import
from gazetteer.models import Place, PlaceKind, PlaceName
from gazetteer.normalize import search_key
from mapapp.lib import ratelimit

UPLOAD_LIFETIME = 3600  # seconds an unconfirmed upload is kept (confirm and cancel remove it at once)


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


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text=f"{', '.join(SUFFIXES)}. A shapefile as a .zip of its .shp, .shx, .dbf and .prj.",
    )
    layer = forms.CharField(required=False, help_text="for GeoPackage and KML files with several layers")
    name_field = forms.CharField(required=False, help_text="default: name_en, name, NAME, Name ...")
    name_ar_field = forms.CharField(required=False, help_text="default: name_ar, name:ar ...")
    variants_field = forms.CharField(required=False, help_text="default: variants, alt_name ...")
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "from the file (kind, placetype ...)")] + list(PlaceKind.choices),
    )
    parent = forms.SlugField(required=False, help_text="slug of the place that holds them")
    srid = forms.IntegerField(
        required=False, min_value=1, help_text="EPSG code of the coordinates, if the file lacks or misstates it"
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(f"not a file type this imports (use {', '.join(SUFFIXES)})")
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(f"the file is larger than {settings.IMPORT_MAX_MB} MB (IMPORT_MAX_MB)")
        return upload

    def options(self, *, dry_run: bool) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            layer=data["layer"] or None,
            name_field=data["name_field"] or None,
            name_ar_field=data["name_ar_field"] or None,
            variants_field=data["variants_field"] or None,
            kind=data["kind"] or None,
            parent=data["parent"] or None,
            srid=data["srid"],
            dry_run=dry_run,
        )


def _uploads() -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():  # unconfirmed uploads do not pile up
        if old.is_dir() and now - old.stat().st_mtime > UPLOAD_LIFETIME:
            shutil.rmtree(old, ignore_errors=True)
    return folder


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

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="gazetteer_place_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """Upload a file, see what importing it would do (a dry run), then confirm."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Import places"}
        _uploads()  # every visit clears uploads left unconfirmed for an hour
        if request.method == "POST" and request.POST.get("confirm"):
            return self._confirm(request, context)
        if request.method == "POST" and request.POST.get("cancel"):
            self._discard(request, request.POST.get("token", ""))
            messages.info(request, "Import cancelled; the uploaded file was deleted.")
            return redirect(reverse("admin:gazetteer_place_import"))
        if request.method == "POST":
            # Reading a GIS file costs seconds of CPU and memory: uploads are counted per editor.
            wait = ratelimit.over_limit(
                scope="imports", client=str(request.user.pk), limit=settings.RATE_LIMIT_IMPORTS, window=ratelimit.HOUR
            )
            if wait:
                message = (
                    f"Too many files uploaded to import (at most {settings.RATE_LIMIT_IMPORTS} an hour); "
                    f"try again in {ratelimit.wait_text(wait)}."
                )
                context["form"] = ImportForm()
                messages.error(request, message)
                response = TemplateResponse(request, "admin/gazetteer/place/import.html", context, status=429)
                response["Retry-After"] = str(wait)
                return response
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = secrets.token_hex(16)
            folder = _uploads() / token
            folder.mkdir()
            upload = form.cleaned_data["file"]
            name = Path(upload.name).name
            with open(folder / name, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                report = places_import(path=folder / name, options=form.options(dry_run=True), source_name=name)
            except ImportFileError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                form.add_error("file", str(exc))
            else:
                options = dataclasses.asdict(form.options(dry_run=False))
                request.session[f"gazetteer-import-{token}"] = {"name": name, "options": options}
                context.update(report=report, lines=report.lines(), token=token, confirmed=False)
                return TemplateResponse(request, "admin/gazetteer/place/import_report.html", context)
        context["form"] = form
        return TemplateResponse(request, "admin/gazetteer/place/import.html", context)

    def _discard(self, request, token: str) -> None:
        if token.isalnum():
            request.session.pop(f"gazetteer-import-{token}", None)
            shutil.rmtree(_uploads() / token, ignore_errors=True)

    def _confirm(self, request, context):
        token = request.POST.get("token", "")
        pending = request.session.pop(f"gazetteer-import-{token}", None) if token.isalnum() else None
        folder = _uploads() / token if token.isalnum() else None
        if pending is None or folder is None or not (folder / pending["name"]).exists():
            messages.error(request, "That upload is no longer here (confirmed already, or expired): upload it again.")
            return redirect(reverse("admin:gazetteer_place_import"))
        options = ImportOptions(**pending["options"])  # as checked when the file was uploaded
        try:
            report = places_import(path=folder / pending["name"], options=options, source_name=pending["name"])
        except ImportFileError as exc:
            messages.error(request, f"Nothing was imported: {exc}")
            return redirect(reverse("admin:gazetteer_place_import"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        messages.success(request, f"Imported {pending['name']}: {report.summary}.")
        context.update(report=report, lines=report.lines(), confirmed=True)
        return TemplateResponse(request, "admin/gazetteer/place/import_report.html", context)
