"""The Arabic interface: the catalogue covers every viewer string, the committed .mo matches the .po, and
?lang= chooses the language of a page."""

import gettext
import re
from pathlib import Path

import pytest

from mapapp.viewer import PLACE_KIND_LABELS, VIEWER_STRINGS

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ar" / "LC_MESSAGES"


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no plurals or contexts: the catalogue uses none)."""
    entries: dict[str, str] = {}
    field = None
    current = {"msgid": "", "msgstr": ""}

    def unquote(text):
        return bytes(text, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        match = re.match(r'^(msgid|msgstr) "(.*)"$', line)
        if match:
            if match.group(1) == "msgid" and field == "msgstr":
                entries[current["msgid"]] = current["msgstr"]
                current = {"msgid": "", "msgstr": ""}
            field = match.group(1)
            current[field] = unquote(match.group(2))
        elif line.startswith('"') and field:
            current[field] += unquote(line[1:-1])
        elif not line.strip() and field == "msgstr":
            entries[current["msgid"]] = current["msgstr"]
            current = {"msgid": "", "msgstr": ""}
            field = None
    entries.pop("", None)
    return entries


def test_the_arabic_catalogue_translates_every_viewer_string():
    po = read_po(LOCALE / "django.po")
    untranslated = [msgid for msgid in (*VIEWER_STRINGS, *PLACE_KIND_LABELS) if not po.get(msgid)]
    assert untranslated == []
    assert [msgid for msgid, msgstr in po.items() if not msgstr] == []
    for msgid, msgstr in po.items():  # placeholders survive translation
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", msgstr)), msgid


def test_the_committed_mo_is_compiled_from_the_current_po():
    po = read_po(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as handle:
        mo = gettext.GNUTranslations(handle)
    compiled = {msgid: msgstr for msgid, msgstr in mo._catalog.items() if msgid}
    assert compiled == po, "run `make messages` to compile locale/ar/LC_MESSAGES/django.mo"


@pytest.mark.parametrize(
    ("query", "lang", "direction"),
    [("", "en", "ltr"), ("?lang=ar", "ar", "rtl"), ("?lang=en", "en", "ltr"), ("?lang=xx", "en", "ltr")],
)
def test_lang_in_the_query_chooses_the_page_language(client, demo, query, lang, direction):
    response = client.get(f"/maps/deir-ez-zor/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert response["Content-Language"] == lang


def test_the_arabic_page_carries_arabic_strings_title_and_actor_names(client, demo):
    html = client.get("/maps/deir-ez-zor/?lang=ar&date=2016-06-01").content.decode()
    assert '<h1 class="map-title">حصار دير الزور، ٢٠١٤–٢٠١٧</h1>' in html
    assert "الحكومة السورية" in html  # the legend
    assert 'aria-label="التاريخ"' in html
    assert '"Play": "\\u062a\\u0634\\u063a\\u064a\\u0644"' in html  # "تشغيل" in the strings for the viewer
    assert 'href="/maps/deir-ez-zor/?lang=en&amp;date=2016-06-01"' in html


def test_a_browser_asking_for_arabic_gets_it_unless_the_link_says_otherwise(client, demo):
    arabic = client.get("/maps/deir-ez-zor/", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    english = client.get("/maps/deir-ez-zor/?lang=en", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<html lang="en" dir="ltr">' in english.content.decode()
