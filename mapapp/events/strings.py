"""The events layer's interface strings (static/js/viewer/events.js), marked for makemessages; the map page
sends them translated with the viewer's own (mapapp.views.viewer_strings)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

EVENT_STRINGS = (
    gettext_noop("Events"),
    gettext_noop("Window"),
    gettext_noop("the day shown"),
    gettext_noop("%(n)s days up to the day shown"),
    gettext_noop("Types"),
    gettext_noop("%(n)s events"),
    gettext_noop("Actors"),
    gettext_noop("Fatalities"),
    gettext_noop("Sources"),
    gettext_noop("Control changes it explains"),
    gettext_noop("Events here"),
    gettext_noop("No events here in the %(n)s days up to this date."),
    gettext_noop("and %(n)s more"),
)


def event_strings() -> dict[str, str]:
    """{English msgid: text in the active language}, and how exactly a date is known as `precision:<value>`."""
    strings = {key: _(key) for key in EVENT_STRINGS}
    strings.update(
        {
            "precision:week": _("date known to the week"),
            "precision:month": _("date known to the month"),
            "precision:year": _("date known to the year"),
        }
    )
    return strings
