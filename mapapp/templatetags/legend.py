"""{% legend_colours actors %}: the legend's swatch colours as a <style> block carrying the request's CSP nonce.

The Content-Security-Policy allows no style attribute (docs/contract.md), so the colours that were
style="--swatch: ..." are rules keyed by the actor's slug. A colour that is not #rrggbb (saved around the
services) is left out rather than copied into CSS; slugs are Django slugs, safe inside a quoted selector.
"""

import re

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
CONTESTED = "#555"


@register.simple_tag(takes_context=True)
def legend_colours(context, actors):
    rules = format_html_join(
        "",
        '[data-actor="{}"]>.swatch{{--swatch:{}}}',
        (
            (actor["slug"], actor["color"])
            for actor in actors
            if _SLUG.match(actor["slug"]) and _COLOUR.match(actor["color"])
        ),
    )
    nonce = context["request"].csp_nonce
    return format_html('<style nonce="{}">{}.legend-contested>.swatch{{--swatch:{}}}</style>', nonce, rules, CONTESTED)
