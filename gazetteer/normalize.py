"""Search keys for place names: the same key for the spellings a reader would take for the same name."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def search_key(name: str) -> str:
    """Case, accents and Arabic diacritics folded, punctuation dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    kept = kept.replace("\u0640", "")  # tatweel
    cleaned = "".join(ch if ch.isalnum() else " " for ch in kept.casefold())
    return _SPACES.sub(" ", cleaned).strip()
