"""Words of the record as a reader sees them, in the active language: status words and local names."""

from __future__ import annotations

from django.utils.translation import get_language, gettext_lazy

# Words of the record as an editor reads them, in the active language.
_WORDS = {
    "held": gettext_lazy("held"),
    "contested": gettext_lazy("contested"),
    "draft": gettext_lazy("draft"),
    "published": gettext_lazy("published"),
    "rejected": gettext_lazy("rejected"),
    "withdrawn": gettext_lazy("withdrawn"),
    # How a change's publication went (mapapp.publication's kinds), on the corrections log and the feeds.
    "unpublished": gettext_lazy("unpublished"),
    "restored": gettext_lazy("restored"),
    "corrected": gettext_lazy("corrected"),
    # Confidence in a change.
    "high": gettext_lazy("high"),
    "medium": gettext_lazy("medium"),
    "low": gettext_lazy("low"),
}


def word(value: str) -> str:
    return str(_WORDS.get(value, value))


def local_name(obj) -> str:
    """The Arabic name of a place or actor when the interface is in Arabic and it has one, else English."""
    if get_language() == "ar" and getattr(obj, "name_ar", ""):
        return obj.name_ar
    return obj.name_en
