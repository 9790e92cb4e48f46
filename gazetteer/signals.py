"""What the gazetteer tells the apps above it. The gazetteer is the lower layer: it never imports them, so where
a place change must reach something built on places (a map's area and edges), it sends a signal here and the
app that cares listens (mapapp connects its receivers in MapappConfig.ready()).
"""

from django.dispatch import Signal

# Sent inside the transaction that changed them, after the places' footprints were saved. Keyword: places (a
# list of Place). Receivers derive again whatever they built from those footprints.
footprints_changed = Signal()

# Asked by the place admin for the ground an empty map widget should open on. Receivers answer with an extent
# (west, south, east, north) or None; the first extent given wins.
working_extent_requested = Signal()


def working_extent() -> tuple[float, float, float, float] | None:
    for _receiver, extent in working_extent_requested.send(sender=None):
        if extent is not None:
            return extent
    return None


# Asked by the place admin before an edit: may this user change what the public sees of this place (its names,
# footprint, label point, kind)? Keywords: place, user. A receiver answers with the reason they may not (a
# sentence for the editor) or None; mapapp refuses editors for zones of public maps (only reviewers may).
public_edit_refusal_requested = Signal()


def public_edit_refusal(*, place, user) -> str | None:
    for _receiver, reason in public_edit_refusal_requested.send(sender=None, place=place, user=user):
        if reason:
            return reason
    return None
