"""The admin's imports as background jobs: upload a file, a dry-run job checks it and reports, then a confirm
job imports it (or a cancel discards it). Places (the gazetteer's file import), control snapshots
(`import_control`, reviewers only) and events (`import_events`). The job page shows progress (its script polls
the status endpoint), the report when done, and a cancel button while it runs.

Wrapped by admin_site.admin_view (staff login) in mapapp/urls.py; each view checks its own permission. A job's
page, status and buttons are its starter's (and superusers'); anyone else gets a 404.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gazetteer.forms import ImportForm as PlacesImportForm
from mapapp.events.formats import FORMATS
from mapapp.lib import ratelimit
from mapapp.lib.http import json_response, only
from mapapp.models import Actor, ControlStatus, Job, JobState, Map
from mapapp.services import jobs

SNAPSHOT_SUFFIXES = (".geojson", ".json", ".gz", ".kml", ".kmz", ".gpkg", ".zip")


def _checked_upload(upload, suffixes: tuple[str, ...]):
    if not Path(upload.name).name.lower().endswith(suffixes):
        raise forms.ValidationError(_("not a file type this imports (use %(types)s)") % {"types": ", ".join(suffixes)})
    if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise forms.ValidationError(
            _("the file is larger than %(mb)s MB (IMPORT_MAX_MB)") % {"mb": settings.IMPORT_MAX_MB}
        )
    return upload


class ControlImportForm(forms.Form):
    """The options of `manage.py import_control`, for one uploaded file (or a zip of several)."""

    file = forms.FileField(help_text=gettext_lazy("GeoJSON (gzipped too), KML/KMZ, GeoPackage, or a zip of them"))
    map = forms.ModelChoiceField(queryset=Map.objects.filter(area__isnull=False).order_by("slug"), to_field_name="slug")
    actor = forms.ModelChoiceField(
        queryset=Actor.objects.order_by("slug"),
        to_field_name="slug",
        help_text=gettext_lazy("whose ground the snapshots show"),
    )
    else_actor = forms.ModelChoiceField(
        queryset=Actor.objects.order_by("slug"),
        to_field_name="slug",
        required=False,
        help_text=gettext_lazy("who holds the map's ground outside the snapshot (optional)"),
    )
    date = forms.DateField(
        required=False, help_text=gettext_lazy("the date of a single snapshot (else the file name's YYYY-MM-DD)")
    )
    date_field = forms.CharField(
        required=False, max_length=100, help_text=gettext_lazy("a field holding each feature's date (many dates)")
    )
    status = forms.ChoiceField(choices=ControlStatus.choices, initial=ControlStatus.HELD)
    source_title = forms.CharField(required=False, max_length=300, help_text=gettext_lazy("default: the file name"))
    source_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    publish = forms.BooleanField(required=False, help_text=gettext_lazy("publish each change (else drafts)"))

    def clean_file(self):
        return _checked_upload(self.cleaned_data["file"], SNAPSHOT_SUFFIXES)

    def clean_source_url(self):
        url = self.cleaned_data["source_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("only http(s) addresses"))
        return url

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("date_field"):
            raise forms.ValidationError(_("give either a date or a date field, not both"))
        return data

    def params(self) -> dict:
        data = self.cleaned_data
        return {
            "map": data["map"].slug,
            "actor": data["actor"].slug,
            "else_actor": data["else_actor"].slug if data["else_actor"] else "",
            "date": data["date"].isoformat() if data["date"] else "",
            "date_field": data["date_field"],
            "status": data["status"],
            "source_title": data["source_title"],
            "source_url": data["source_url"],
            "publish": data["publish"],
        }


class EventsImportForm(forms.Form):
    """The options of `manage.py import_events`."""

    file = forms.FileField(help_text=gettext_lazy("an ACLED export, a UCDP GED CSV or a plain CSV (UTF-8)"))
    map = forms.ModelChoiceField(queryset=Map.objects.order_by("slug"), to_field_name="slug")
    format = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("guess from the header"))] + [(f, f) for f in FORMATS]
    )
    publish = forms.BooleanField(
        required=False, help_text=gettext_lazy("publish the new events (reviewers; else drafts)")
    )

    def clean_file(self):
        return _checked_upload(self.cleaned_data["file"], (".csv", ".txt"))

    def params(self) -> dict:
        data = self.cleaned_data
        return {"map": data["map"].slug, "format": data["format"], "publish": data["publish"]}


def _places_params(form: PlacesImportForm) -> dict:
    return {"options": asdict(form.options(dry_run=False))}


@dataclass(frozen=True)
class ImportKind:
    title: str
    form: type
    permission: str  # to start, see and confirm it
    url_name: str  # the upload page
    back: str  # the list the imported things appear in
    back_label: str
    confirm: str  # the confirm button
    intro: str
    publish_permission: str = ""  # needed for params["publish"]


IMPORTS = {
    "places_import": ImportKind(
        title=gettext_lazy("Import places"),
        form=PlacesImportForm,
        permission="gazetteer.add_place",
        url_name="admin-import-places",
        back="admin:gazetteer_place_changelist",
        back_label=gettext_lazy("Places"),
        confirm=gettext_lazy("Confirm: import these places"),
        intro=gettext_lazy(
            "Upload a GIS file of places. Nothing is written yet: you will see what the import would do, then "
            "confirm. Features whose name matches a place (after normalisation) and whose shape overlaps it are "
            "merged into it as new spellings; points get approximate footprints."
        ),
    ),
    "control_import": ImportKind(
        title=gettext_lazy("Import control snapshots"),
        form=ControlImportForm,
        permission="mapapp.publish_controlchange",  # reviewers: it records a whole map's changes at once
        url_name="admin-import-control",
        back="admin:mapapp_controlchange_changelist",
        back_label=gettext_lazy("Control changes"),
        confirm=gettext_lazy("Confirm: record these changes"),
        intro=gettext_lazy(
            "Upload a monitor's dated snapshots of the ground an actor holds. For each date, what changed since "
            "the record before it becomes a control change citing the snapshot. Nothing is written yet: you will "
            "see what the import would record, then confirm."
        ),
        publish_permission="mapapp.publish_controlchange",
    ),
    "events_import": ImportKind(
        title=gettext_lazy("Import events"),
        form=EventsImportForm,
        permission="mapapp.add_event",
        url_name="admin-import-events",
        back="admin:mapapp_event_changelist",
        back_label=gettext_lazy("Events"),
        confirm=gettext_lazy("Confirm: import these events"),
        intro=gettext_lazy(
            "Upload an ACLED export, a UCDP GED CSV or a plain CSV of events. Re-importing updates events by "
            "their dataset id; rows outside the map's area or dates are skipped with a reason; a bad row stops "
            "the whole import. Nothing is written yet: you will see what the import would do, then confirm."
        ),
        publish_permission="mapapp.publish_event",
    ),
}


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def _import_page(request: HttpRequest, kind: str) -> HttpResponse:
    spec = IMPORTS[kind]
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    context = _context(request, spec.title, intro=spec.intro, kind=kind, spec=spec)
    if request.method == "POST":
        # Reading a GIS file costs seconds of CPU and memory: uploads are counted per editor.
        wait = ratelimit.over_limit(
            scope="imports", client=str(request.user.pk), limit=settings.RATE_LIMIT_IMPORTS, window=ratelimit.HOUR
        )
        if wait:
            messages.error(
                request,
                _("Too many files uploaded to import (at most %(limit)s an hour); try again in %(wait)s.")
                % {"limit": settings.RATE_LIMIT_IMPORTS, "wait": ratelimit.wait_text(wait)},
            )
            context["form"] = spec.form()
            response = TemplateResponse(request, "admin/jobs/import.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
    form = spec.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        params = _places_params(form) if kind == "places_import" else form.params()
        if params.get("publish") and not request.user.has_perm(spec.publish_permission):
            form.add_error("publish", _("only a reviewer may publish an import"))
        else:
            token, name = jobs.upload_save(upload=form.cleaned_data["file"])
            job = jobs.job_start(
                kind=kind, user=request.user, params={**params, "upload": token, "name": name, "dry_run": True}
            )
            return redirect(reverse("admin-job", args=[job.pk]))
    context["form"] = form
    return TemplateResponse(request, "admin/jobs/import.html", context)


@only("GET", "POST")
def places_import_page(request):
    return _import_page(request, "places_import")


@only("GET", "POST")
def control_import_page(request):
    return _import_page(request, "control_import")


@only("GET", "POST")
def events_import_page(request):
    return _import_page(request, "events_import")


def _own_job(request: HttpRequest, job_id: int) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if job.started_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    spec = IMPORTS.get(job.kind)
    if spec is not None and not request.user.has_perm(spec.permission):
        raise Http404
    return job


@only("GET")
def job_page(request, job_id: int):
    """A job's progress while it runs (job-progress.js polls job_status and reloads when it ends), then its
    report; for a good dry run of an import, the confirm and discard buttons."""
    job = _own_job(request, job_id)
    spec = IMPORTS.get(job.kind)
    status = jobs.job_status(job=job)
    dry_run = bool(job.params.get("dry_run"))
    can_confirm = (
        spec is not None
        and dry_run
        and job.state == JobState.DONE
        and jobs.upload_path(token=str(job.params.get("upload", "")), name=str(job.params.get("name", ""))) is not None
    )
    title = spec.title if spec else job.kind
    context = _context(
        request,
        title,
        job=job,
        spec=spec,
        status=status,
        dry_run=dry_run,
        can_confirm=can_confirm,
        report=job.report or {},
        state_label=JobState(job.state).label,
    )
    return TemplateResponse(request, "admin/jobs/job.html", context)


@only("GET")
def job_status_view(request, job_id: int):
    """The job's status as JSON (mapapp.services.jobs.job_status), for the job page's script."""
    job = _own_job(request, job_id)
    return json_response(jobs.job_status(job=job))  # never cached: admin_view marks every answer no-store


@only("POST")
def job_cancel_view(request, job_id: int):
    """Stop a queued or running job (it rolls back), or discard the upload of a finished dry run."""
    job = _own_job(request, job_id)
    spec = IMPORTS.get(job.kind)
    if job.finished:
        jobs.upload_discard(token=str(job.params.get("upload", "")))
        messages.info(request, _("Import cancelled; the uploaded file was deleted."))
        return redirect(reverse(spec.url_name) if spec else reverse("admin:index"))
    job = jobs.job_cancel(job=job)
    if job.state == JobState.CANCELLED:  # it had not started: its upload is nobody's now
        jobs.upload_discard(token=str(job.params.get("upload", "")))
        messages.info(request, _("Import cancelled before it began; the uploaded file was deleted."))
    else:
        messages.info(request, _("Cancelling: the job stops at its next step, and nothing it did is kept."))
    return redirect(reverse("admin-job", args=[job.pk]))


@only("POST")
def job_confirm_view(request, job_id: int):
    """Import for real what a dry run checked, with the options the dry run had (not the form's again)."""
    dry = _own_job(request, job_id)
    spec = IMPORTS.get(dry.kind)
    if spec is None or not dry.params.get("dry_run") or dry.state != JobState.DONE:
        messages.error(request, _("Only a finished dry run can be confirmed."))
        return redirect(reverse("admin-job", args=[dry.pk]))
    if dry.params.get("publish") and not request.user.has_perm(spec.publish_permission):
        raise PermissionDenied
    # The upload moves to a new name: a second confirm (a double click, another tab) finds it gone.
    old = jobs.upload_path(token=str(dry.params.get("upload", "")), name=str(dry.params.get("name", "")))
    token = secrets.token_hex(16)
    try:
        if old is None:
            raise FileNotFoundError
        old.parent.rename(jobs.uploads_folder() / token)
    except OSError:
        messages.error(request, _("That upload is no longer here (confirmed already, or expired): upload it again."))
        return redirect(reverse(spec.url_name))
    job = jobs.job_start(
        kind=dry.kind, user=request.user, params={**dry.params, "upload": token, "dry_run": False, "checked_by": dry.pk}
    )
    return redirect(reverse("admin-job", args=[job.pk]))
