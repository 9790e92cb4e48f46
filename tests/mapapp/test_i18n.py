"""The Arabic interface: the catalogue covers every viewer string, the committed .mo matches the .po, and
?lang= chooses the language of a page."""

import gettext
import re
from pathlib import Path

import feedparser
import pytest

from mapapp.viewer import PLACE_KIND_LABELS, VIEWER_STRINGS

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "ar" / "LC_MESSAGES"


def read_po(path: Path) -> dict:
    """msgid -> msgstr of a .po file; a plural entry gives (msgid, n) -> its n-th form, as gettext's catalogue
    keeps them (the corrections log counts changes and corrections). No contexts: the catalogue uses none."""
    entries: dict = {}

    def unquote(text):
        return bytes(text, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")

    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        field = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                field = match.group(1)
                fields[field] = unquote(match.group(2))
            elif line.startswith('"') and field:
                fields[field] += unquote(line[1:-1])
            elif line.startswith("#~"):
                fields = {}
                break
        if not fields.get("msgid"):
            continue
        if "msgid_plural" in fields:
            for name, text in fields.items():
                if name.startswith("msgstr["):
                    entries[(fields["msgid"], int(name[7:-1]))] = text
        else:
            entries[fields["msgid"]] = fields.get("msgstr", "")
    return entries


def test_the_arabic_catalogue_translates_every_viewer_string():
    po = read_po(LOCALE / "django.po")
    untranslated = [msgid for msgid in (*VIEWER_STRINGS, *PLACE_KIND_LABELS) if not po.get(msgid)]
    assert untranslated == []
    assert [msgid for msgid, msgstr in po.items() if not msgstr] == []
    for msgid, msgstr in po.items():  # placeholders survive translation
        msgid = msgid[0] if isinstance(msgid, tuple) else msgid
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


def test_the_open_record_speaks_arabic(client, demo):
    """The corrections log, a change's page, the as_of notice, the OGC API's HTML view and the feeds, in Arabic."""
    log = client.get("/maps/deir-ez-zor/changes/?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in log
    assert "التغييرات والتصحيحات" in log and "حصار دير الزور، ٢٠١٤–٢٠١٧" in log
    assert "صُحّح" in log and "WFP airdrops resumed on 29 January 2017" in log  # the demo's correction, its reason
    change = re.search(r'href="(/maps/deir-ez-zor/changes/\d+/)"', log)[1]
    page = client.get(f"{change}?lang=ar").content.decode()
    assert "سجل النشر" in page and "منشور: " in page and ", تحت السيطرة · الحكومة السورية" in page
    notice = client.get("/maps/deir-ez-zor/?lang=ar&as_of=2017-01-01").content.decode()
    assert "السجل كما رآه الجمهور في 1 يناير 2017" in notice and "اطّلع على سجل اليوم" in notice
    ogc = client.get("/ogc/collections/deir-ez-zor/items?f=html&datetime=2016-06-01", HTTP_ACCEPT_LANGUAGE="ar")
    assert "حصار دير الزور، ٢٠١٤–٢٠١٧: فترات السيطرة" in ogc.content.decode()
    assert "الروابط" in ogc.content.decode() and "فترة سيطرة" in ogc.content.decode()
    feed = feedparser.parse(client.get("/maps/deir-ez-zor/feed.atom?lang=ar").content)
    assert not feed.bozo and feed.feed.language == "ar"
    assert feed.feed.title == "حصار دير الزور، ٢٠١٤–٢٠١٧: التغييرات والتصحيحات"
    assert feed.entries[0].title == "صُحّح: حصار دير الزور"
    assert any("تحت سيطرة" in entry.summary for entry in feed.entries)
    english = feedparser.parse(client.get("/maps/deir-ez-zor/feed.atom").content)
    assert english.feed.language == "en" and english.entries[0].title == "Corrected: Siege of Deir ez-Zor"
