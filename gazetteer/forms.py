"""The place form of the admin: footprints drawn with django-leaflet's widget are checked at the door."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gazetteer import services
from gazetteer.importer import SUFFIXES, ImportOptions
from gazetteer.models import Place, PlaceKind
from mapapp.lib import geo


class PlaceForm(forms.ModelForm):
    """An outline that cannot be repaired is refused here with GEOS's reason; one that can is repaired by the
    service when saving (gazetteer.services), which keeps and returns the reason; nothing invalid reaches the
    database. Without a label point, the outline's point on surface is
    used."""

    class Meta:
        model = Place
        fields = [
            "slug",
            "name_en",
            "name_ar",
            "kind",
            "parent",
            "footprint",
            "label_point",
            "footprint_approximate",
            "footprint_method",
            "coord_basis",
            "uncertainty_m",
            "source",
            "notes",
        ]

    repair_reason = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "label_point" in self.fields:
            self.fields["label_point"].required = False

    def clean_footprint(self):
        footprint = self.cleaned_data.get("footprint")
        if footprint is None:
            return None
        if footprint.srid not in (None, geo.WGS84):
            footprint = footprint.transform(geo.WGS84, clone=True)
        try:
            _repaired, reason = geo.repair_polygonal(geo.to_shapely(footprint))
        except ValueError as exc:
            raise ValidationError(
                _("This outline cannot be used: %(reason)s. Redraw it so that its edges do not cross.")
                % {"reason": exc}
            ) from None
        self.repair_reason = reason  # the service repairs it the same way when saving, and says why
        return footprint

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        ancestor = parent
        while ancestor is not None and self.instance.pk is not None:
            if ancestor.pk == self.instance.pk:
                raise ValidationError(_("a place cannot lie inside itself or inside one of its own parts"))
            ancestor = ancestor.parent
        return parent

    def clean(self):
        data = super().clean()
        if "footprint" not in self.fields:  # read-only for this editor (a zone of a public map): kept as it is
            return data
        if not data.get("footprint") and not data.get("label_point") and "footprint" not in self.errors:
            raise ValidationError(_("Draw the place's outline, or at least put its point on the map."))
        return data


def place_save(*, form: PlaceForm, change: bool, by=None) -> tuple[Place, str]:
    """Save the form through gazetteer.services; returns (place, repair reason or "")."""
    data = form.cleaned_data
    # A field the form left out (read-only for this user: gazetteer.admin) keeps the place's current value.
    fields = {
        key: data.get(key) if key in form.fields else getattr(form.instance, key)
        for key in (
            "name_en",
            "name_ar",
            "kind",
            "parent",
            "label_point",
            "footprint",
            "footprint_approximate",
            "footprint_method",
            "coord_basis",
            "uncertainty_m",
            "source",
            "notes",
        )
    }
    for key in ("name_ar", "footprint_method", "source", "notes"):
        fields[key] = fields[key] or ""
    if by is not None and getattr(by, "is_authenticated", False):
        form.instance._history_user = by
    if change:
        place, reason = services.place_update(place=form.instance, **fields)
        return place, reason
    place = services.place_create(slug=data["slug"], **fields)
    return place, place.repair_reason


class ImportForm(forms.Form):
    """The admin's place import (mapapp/admin_jobs.py): the file and the options of `manage.py import_places`."""

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
