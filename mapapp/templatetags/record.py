"""Words and names of the record on the open-record pages (the corrections log, a change's page, the OGC API's
HTML view), in the active language: `{{ event.kind|record_word }}`, `{{ place|local_name }}`."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from mapapp import display

register = template.Library()


@register.filter
def record_word(value) -> str:
    """A status, confidence or publication word of the record (held, high, withdrawn, ...) as a reader reads it."""
    return display.word(str(value)) if value is not None else ""


@register.filter
def local_name(obj) -> str:
    """A place's or actor's name, or a map's title, in the active language (Arabic where it has one)."""
    if obj is None:
        return ""
    if hasattr(obj, "title_en"):  # a map
        return obj.title_ar if get_language() == "ar" and obj.title_ar else obj.title_en
    return display.local_name(obj)
