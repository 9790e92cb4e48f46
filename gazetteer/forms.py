"""The place form of the admin: footprints drawn with django-leaflet's widget are checked at the door."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gazetteer import services
from gazetteer.models import Place
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
