"""{% share_meta %} and {% share_dialog %}: what a map page needs to be shared and embedded — link previews
(Open Graph, Twitter card with the server-drawn picture), oEmbed discovery, and the "Share / Embed" dialog.

Both read `map` and `date` from the page's context, so the map page only includes them.
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mapapp import embed, viewer
from mapapp.embed_views import card_context

register = template.Library()

# The iframe sizes the dialog offers (its width and height inputs say the same).
SHARE_MIN_SIZE, SHARE_MAX_SIZE = 200, 2000
SIZE_BOUNDS = {"min": SHARE_MIN_SIZE, "max": SHARE_MAX_SIZE}


def _lang() -> str:
    lang = get_language() or "en"
    return lang if lang in embed.LANGUAGES else "en"


@register.inclusion_tag("mapapp/_share_meta.html", takes_context=True)
def share_meta(context):
    map_, date = context["map"], context["date"]
    lang = _lang()
    return {
        "title": viewer.local_title(map_, lang),
        "description": viewer.local_description(map_, lang)[:300],
        "lang": lang,
        "date": date,
        **card_context(context["request"], map_, date, lang),
    }


@register.inclusion_tag("mapapp/_share_dialog.html", takes_context=True)
def share_dialog(context):
    map_ = context["map"]
    lang = _lang()
    config = {
        "siteUrl": settings.SITE_URL,
        "slug": map_.slug,
        "title": viewer.local_title(map_, lang),
        "titles": {"en": map_.title_en, "ar": map_.title_ar or map_.title_en},
        "lang": lang,
        "start": map_.start.isoformat(),
        "end": map_.end.isoformat(),
        "date": context["date"].isoformat(),
        "mapPath": reverse("map", args=[map_.slug]),
        "embedPath": reverse("embed", args=[map_.slug]),
        "hostScript": settings.SITE_URL + static("js/embed-host.js"),
        "width": embed.DEFAULT_WIDTH,
        "height": embed.DEFAULT_HEIGHT,
        "minSize": SHARE_MIN_SIZE,
        "maxSize": SHARE_MAX_SIZE,
        # The dialog's own messages, in the page's language (static/js/share.js shows them as text).
        "messages": {
            "width": _("Width must be a whole number of pixels from %(min)s to %(max)s.") % SIZE_BOUNDS,
            "height": _("Height must be a whole number of pixels from %(min)s to %(max)s.") % SIZE_BOUNDS,
            "range": _("The slider's range ends before it starts: 'to' is before 'from'."),
            "filmQueued": _("Waiting for the server to start the film…"),
            "filmFrames": _("Drawing frame %(done)s of %(total)s…"),
            "filmDrawing": _("Drawing the film…"),
            "filmDone": _("The film is ready."),
            "filmFailed": _("The film could not be made: %(error)s"),
            "filmNetwork": _("The server could not be reached; try again."),
        },
        "filmsPath": reverse("api-films", args=[map_.slug]),
    }
    return {"share_config": config, "lang": lang}
