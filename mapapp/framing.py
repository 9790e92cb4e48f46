"""Who may frame an embed: parsing and checking Map.frame_ancestors (a list of origins for CSP frame-ancestors).

Its own module, importing no model, because the Map model validates the field with it (Map.clean) and the embed
builds the header with it (mapapp.embed), and the embed imports the models.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# A CSP host-source or scheme-source, without the characters that would end the directive (; ,) or quote it.
_SOURCE = re.compile(
    r"^(?:(?:https?|wss?):$|"  # a scheme alone
    r"(?:(?:https?|wss?)://)?(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"(?::(?:\d{1,5}|\*))?(?P<path>/[a-z0-9._~%!$&()*+=:@/-]*)?$)",
    re.IGNORECASE,
)


def frame_ancestor_sources(text: str) -> tuple[list[str], list[str]]:
    """Split Map.frame_ancestors into (valid CSP sources, rejected tokens). `'self'` is accepted as written.

    A source is kept as its origin alone: browsers match frame-ancestors against the framing page's origin, whose
    path is empty, so https://news.example/world/story.html would match no page at all, not even that one."""
    valid, rejected = [], []
    for token in text.split():
        match = _SOURCE.match(token)
        if token == "'self'":
            valid.append(token)
        elif match:
            valid.append(token[: match.start("path")] if match["path"] else token)
        else:
            rejected.append(token)
    return valid, rejected


def _pages(text: str) -> list[str]:
    """The tokens that are a page's address (a path beyond "/") rather than a site's."""
    return [token for token in text.split() if (match := _SOURCE.match(token)) and match["path"] not in (None, "/")]


def validate_frame_ancestors(text: str) -> None:
    """For Map.clean(): every token must be an origin like https://news.example or https://*.example.org."""
    _valid, rejected = frame_ancestor_sources(text)
    if rejected:
        raise ValidationError(
            {
                "frame_ancestors": f"not an origin: {', '.join(rejected)}. Write origins separated by spaces, "
                "like https://news.example https://*.example.org (empty: any site may embed the map)"
            }
        )
    pages = _pages(text)
    if pages:
        origins = ", ".join(frame_ancestor_sources(page)[0][0] for page in pages)
        raise ValidationError(
            {
                "frame_ancestors": f"a page's address, not a site's: {', '.join(pages)}. Browsers allow framing "
                f"by whole sites (origins), so write {origins}"
            }
        )
