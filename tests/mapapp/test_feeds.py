"""Feeds of a map's changes (Atom 1.0, JSON Feed 1.1) and the public corrections log, checked against the record:
a change published, another published then withdrawn then restored (with the reviewers' reasons), and a
publication delay."""

from __future__ import annotations

import datetime as dt

import atoma
import feedparser
import orjson
import pytest
from django.utils import timezone

from mapapp import publication
from mapapp.models import Map
from tests.conftest import world_once_per_module
from tests.mapapp.test_write_api import login, post

ATOM = "/maps/test-map/feed.atom"
JSON = "/maps/test-map/feed.json"


def parse_json_feed(response):
    """A JSON Feed read by a parser (atoma: feedparser 6.0 reads Atom and RSS only), which refuses a feed missing a
    required member or with one of the wrong type."""
    return atoma.parse_json_feed_bytes(response.content)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def _corrected(world):
    """North taken by the army (published); South taken by rebels, withdrawn as a mistake, then restored."""
    world.place("north", 0.0, 0.01)
    world.place("south", 0.0, 0.0)
    world.actor("army")
    world.actor("rebels")
    world.map()
    north = world.change("2015-03-01", ["north"], "army", title="Army takes North")
    south = world.change("2015-04-02", ["south"], "rebels")
    published_version = south.history.latest("history_id").history_id
    world.services.control_change_withdraw(change=south, reason="the wire retracted its report")
    world.services.control_change_restore(
        change=south, version_id=published_version, reason="a second source confirms it"
    )
    world.north, world.south = north, south


# Written once for the module; each test's writes are rolled back before the next (the demo's feed is checked in
# test_demo.py, so that the demo and this world never share a module).
_corrected_once, world = world_once_per_module(_corrected)


@pytest.fixture
def corrected(world):
    return world


def test_the_atom_feed_has_one_entry_per_publication_and_per_correction(client, corrected):
    response = client.get(ATOM)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Test-Map: changes and corrections"
    kinds = [(entry.tags[0].term, int(entry.link.rstrip("/").rsplit("/", 1)[1])) for entry in feed.entries]
    south, north = corrected.south.pk, corrected.north.pk
    assert kinds == [("restored", south), ("withdrawn", south), ("published", south), ("published", north)]
    assert len({entry.id for entry in feed.entries}) == 4
    restored, withdrawn, _published, first = feed.entries
    assert restored.title == "Restored: 2015-04-02: South held by Rebels"
    assert "a second source confirms it" in restored.summary
    assert "the wire retracted its report" in withdrawn.summary
    assert first.title == "2015-03-01: Army takes North"
    assert "On 2015-03-01 North held by Army (medium confidence)." in first.summary
    assert 'href="https://example.org/r"' in first.summary and "Test report" in first.summary
    assert "http://testserver/maps/test-map/?date=2015-03-01" in first.summary
    # Dates: when each became public, from the record's own history.
    version = corrected.north.history.get(history_change_reason="published")
    assert dt.datetime(*first.published_parsed[:6], tzinfo=dt.UTC) == version.history_date.replace(microsecond=0)


def test_the_json_feed_says_the_same_and_carries_the_record(client, corrected):
    response = client.get(JSON)
    assert response["Content-Type"] == "application/feed+json"
    parsed = parse_json_feed(response)
    assert parsed.version == "https://jsonfeed.org/version/1.1"
    assert parsed.feed_url == "http://testserver/maps/test-map/feed.json"
    atom = feedparser.parse(client.get(ATOM).content)
    assert [item.id_ for item in parsed.items] == [entry.id for entry in atom.entries]
    assert [item.title for item in parsed.items] == [entry.title for entry in atom.entries]
    assert [item.date_published.replace(microsecond=0) for item in parsed.items] == [
        dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC) for entry in atom.entries
    ]
    items = orjson.loads(response.content)["items"]
    record = items[-1]["_frontline"]
    assert record == {
        "kind": "published",
        "change": corrected.north.pk,
        "siege": None,
        "version": record["version"],
        "date": "2015-03-01",
        "actor": "army",
        "status": "held",
        "confidence": "medium",
        "places": ["north"],
        "area_km2": round(corrected.places["north"].area_km2, 4),
        "sources": [{"title": "Test report", "url": "https://example.org/r", "publisher": "Test wire"}],
        "reason": "",
    }


def test_feeds_for_a_place_hold_only_the_changes_touching_it_or_its_parts(client, corrected):
    from gazetteer.models import Place

    region = corrected.place("the-north", 5.0, 5.0)  # a place, not a zone: the region North is part of
    Place.objects.filter(pk=corrected.places["north"].pk).update(parent=region)
    for place in ("north", "the-north"):
        feed = feedparser.parse(client.get(ATOM, {"place": place}).content)
        assert [entry.title for entry in feed.entries] == ["2015-03-01: Army takes North"]
    assert len(parse_json_feed(client.get(JSON, {"place": "south"})).items) == 3
    response = client.get(ATOM, {"place": "atlantis"})
    assert (response.status_code, response.json()) == (400, {"error": "no place 'atlantis'", "field": "place"})
    response = client.get(JSON, {"date": "2015-01-01"})
    assert response.status_code == 400 and response.json()["field"] == "date"
    assert client.get("/maps/nowhere/feed.atom").status_code == 404


def test_conditional_get(client, corrected):
    first = client.get(ATOM)
    assert client.get(ATOM, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(ATOM, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    corrected.change("2015-05-01", ["north"], "rebels")
    changed = client.get(ATOM, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and len(feedparser.parse(changed.content).entries) == 5


def test_the_map_page_and_the_log_point_to_the_feeds(client, corrected):
    page = client.get("/maps/test-map/").content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in page and 'href="/maps/test-map/feed.atom"' in page
    assert 'type="application/feed+json"' in page and 'href="/maps/test-map/feed.json"' in page
    assert 'href="/maps/test-map/changes/"' in page


def test_a_publication_delay_holds_entries_back_from_feeds_and_the_log(client, corrected, monkeypatch):
    Map.objects.filter(slug="test-map").update(publish_delay_hours=6)
    assert feedparser.parse(client.get(ATOM).content).entries == []
    assert f'data-change="{corrected.north.pk}"' not in client.get("/maps/test-map/changes/").content.decode()
    later = timezone.now() + dt.timedelta(hours=6, minutes=1)
    monkeypatch.setattr(publication.timezone, "now", lambda: later)
    entries = feedparser.parse(client.get(ATOM).content).entries
    assert len(entries) == 4
    published = corrected.north.history.get(history_change_reason="published").history_date
    assert dt.datetime(*entries[-1].published_parsed[:6], tzinfo=dt.UTC) == (published + dt.timedelta(hours=6)).replace(
        microsecond=0
    )


def test_the_corrections_log_lists_each_change_with_its_publication_history(client, corrected):
    response = client.get("/maps/test-map/changes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-change="{corrected.north.pk}"' in html and f'data-change="{corrected.south.pk}"' in html
    assert html.count('data-kind="withdrawn"') == 1 and html.count('data-kind="restored"') == 1
    assert "the wire retracted its report" in html and "a second source confirms it" in html
    assert 'type="application/atom+xml"' in html


def test_a_change_page_shows_before_and_after_and_its_sources(client, corrected):
    response = client.get(f"/maps/test-map/changes/{corrected.north.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Army takes North" in html and "Test report" in html and "https://example.org/r" in html
    assert "date=2015-02-28" in html and "date=2015-03-01" in html
    for url in (part.split('"')[0] for part in html.split('<img src="')[1:]):
        picture = client.get(url.replace("&amp;", "&"))
        assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert client.get("/maps/test-map/changes/999999/").status_code == 404


def test_a_drafts_page_is_not_public(client, corrected):
    draft = corrected.change("2015-06-01", ["south"], "army", publish=False)
    assert client.get(f"/maps/test-map/changes/{draft.pk}/").status_code == 404
    assert f'data-change="{draft.pk}"' not in client.get("/maps/test-map/changes/").content.decode()


def test_record_text_reaches_feeds_and_pages_as_text(client, corrected):
    corrected.change("2015-07-01", ["south"], "army", title="<script>alert(1)</script>")
    atom = client.get(ATOM).content.decode()
    assert "<script>" not in atom and "&lt;script&gt;" in atom
    entry = feedparser.parse(atom).entries[0]
    assert entry.title == "2015-07-01: <script>alert(1)</script>"
    assert "<script>" not in client.get("/maps/test-map/changes/").content.decode()


def test_reviewers_give_their_reason_when_restoring_through_the_write_api(client, corrected, people):
    reviewer = login(people.reviewer)
    versions = reviewer.get(f"/api/v1/changes/{corrected.north.pk}/history").json()["versions"]
    draft = next(v["version"] for v in versions if v["review_state"] == "draft" and v["places"])
    response = post(
        reviewer, f"/api/v1/changes/{corrected.north.pk}/restore", {"version": draft, "reason": "too early"}
    )
    assert response.status_code == 200, response.content
    entry = feedparser.parse(client.get(ATOM).content).entries[0]
    assert entry.tags[0].term == "unpublished" and "too early" in entry.summary
    bad = post(reviewer, f"/api/v1/changes/{corrected.north.pk}/restore", {"version": draft, "reason": 5})
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
