"""The editorial workflow in Chromium, end to end on the Deir ez-Zor demo: an editor marks a change by clicking
zones on the map, a reviewer publishes it from the queue, the public map shows it, the history shows both
steps, and restoring the earlier version takes it off the public map again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp.models import ControlChange, ReviewState
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

GOVERNMENT_COLOUR = "#c62828"
DATE = "2017-06-20"  # the government holds the city districts, besieged; nothing changes hands that week


def log_in(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_url.split("?")[0])))


def click_zone(page, map_id: str, slug: str) -> None:
    """Click the map at a point inside the place's footprint, as a person would."""
    point = Place.objects.get(slug=slug).footprint.point_on_surface
    x, y = page.evaluate(
        """([mapId, lat, lon]) => {
            const map = window['leafletmap' + mapId];
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [map_id, point.y, point.x],
    )
    page.mouse.click(x, y)


def zone_actor(page, base: str, slug: str, date: str) -> str | None:
    data = page.request.get(f"{base}/api/v1/maps/deir-ez-zor/zones?date={date}").json()
    return next(f["properties"]["actor"] for f in data["features"] if f["id"] == slug)


def public_fill(page, base: str, slug: str, date: str) -> str:
    """The fill of a zone on the public map page opened at `date`."""
    page.goto(f"{base}/maps/deir-ez-zor/?date={date}")
    page.wait_for_selector("[data-viewer][data-ready=true]", timeout=15000)
    return page.locator(f'path.zone[data-zone="{slug}"]').get_attribute("fill")


def wait_for_zones(page, date: str) -> None:
    page.wait_for_selector(f"body[data-zones-date='{date}']")


def test_mark_review_publish_history_restore(live_server, browser, page, demo, people):
    base = live_server.url
    assert zone_actor(page, base, "al-joura", DATE) == "government"

    # --- the editor marks the change -------------------------------------------------------------------
    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)

    click_zone(page, "mark-map", "al-joura")
    click_zone(page, "mark-map", "al-qusour")
    expect(page.locator("body")).to_have_attribute("data-selected", "al-joura,al-qusour")
    # a third zone from the list, found by its Arabic name
    page.fill("#place-search", "هرابش")
    visible = page.locator("#place-list li:not([hidden])")
    expect(visible).to_have_count(2)
    assert sorted(visible.evaluate_all("items => items.map(i => i.dataset.place)")) == ["harabesh", "jabal-harabesh"]
    page.check("#place-list li[data-place=harabesh] input")
    # clicking a selected zone again unselects it
    click_zone(page, "mark-map", "al-qusour")
    expect(page.locator("body")).to_have_attribute("data-selected", "al-joura,harabesh")

    page.select_option("#id_actor", "isis")
    page.check("input[name=status][value=contested]")
    page.select_option("#id_confidence", "low")
    # the preview says what changes: two places, from the government, and the after-map shows it
    expect(page.locator("body")).to_have_attribute("data-preview-for", "al-joura,harabesh")
    expect(page.locator("#preview-table tbody tr")).to_have_count(2)
    expect(page.locator("#preview-summary .preview-headline")).to_contain_text("2 place(s) change hands")
    expect(page.locator("#preview-table tr[data-place=al-joura] td").nth(1)).to_have_text("Syrian government (held)")

    # saving without a source is refused, in words, next to the sources
    page.click("#save-change")
    expect(page.locator("#form-errors")).to_have_text(
        "The change was not saved: a control change needs at least one source"
    )
    expect(page.locator("[data-problem-for=sources]")).to_have_text("a control change needs at least one source")
    assert ControlChange.objects.filter(review_state=ReviewState.DRAFT).count() == 0

    page.fill("#source-0-url", "https://example.org/deir-ez-zor-2017-06-20")
    page.fill("#source-0-title", "ISIS attacks al-Joura and Harabesh")
    page.fill("#source-0-publisher", "Example Wire")
    page.fill("#source-0-published", "2017-06-21")
    page.fill("#source-0-quote", "Fighting inside al-Joura; Harabesh contested.")
    page.fill("#id_title", "ISIS attacks al-Joura and Harabesh")
    page.click("#save-change")
    saved = page.locator("#saved-note")
    expect(saved).to_be_visible()
    change_id = int(saved.get_attribute("data-change-id"))
    change = ControlChange.objects.get(pk=change_id)
    assert change.review_state == ReviewState.DRAFT
    assert sorted(p.slug for p in change.places.all()) == ["al-joura", "harabesh"]
    assert (change.actor.slug, change.status, change.confidence) == ("isis", "contested", "low")
    assert change.created_by == people.editor
    assert zone_actor(page, base, "al-joura", DATE) == "government"  # a draft is not public

    # the editor sees it in the queue, without the reviewers' buttons
    page.goto(f"{base}/admin/mapapp/controlchange/review/")
    card = page.locator(f"#change-{change_id}")
    expect(card).to_be_visible()
    expect(card.locator(".draft-summary")).to_contain_text("2 place(s) change hands, 7.62 km²")
    expect(card.locator(".publish-button")).to_have_count(0)
    expect(card).to_have_attribute("data-map-ready", "true")

    # --- the reviewer publishes it -----------------------------------------------------------------------
    reviewer_context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    reviewer = reviewer_context.new_page()
    try:
        log_in(reviewer, base, "rafiq", "/admin/mapapp/controlchange/review/")
        reviewer.locator(f"#change-{change_id} .publish-button").click()
        expect(reviewer.locator(".messagelist")).to_contain_text(f"Change #{change_id} is published.")
        expect(reviewer.locator(f"#change-{change_id}")).to_have_count(0)  # no longer a draft
        assert zone_actor(reviewer, base, "al-joura", DATE) == "isis"
        assert zone_actor(reviewer, base, "al-joura", "2017-06-19") == "government"

        # the public map page shows it too: al-Joura hatched as contested from that day, solid red before
        assert public_fill(reviewer, base, "al-joura", "2017-06-19") == GOVERNMENT_COLOUR
        assert public_fill(reviewer, base, "al-joura", DATE).startswith("url(#")  # the contested hatch

        # --- history: both steps, and a restore undoes the publish --------------------------------------
        reviewer.goto(f"{base}/admin/mapapp/controlchange/{change_id}/history/")
        rows = reviewer.locator("tr.history-row")
        expect(rows.first).to_have_attribute("data-reason", "published")
        expect(rows.first.locator(".history-user")).to_have_text("rafiq")
        expect(reviewer.locator("tr.history-row[data-reason=recorded] .history-user").first).to_have_text("edna")
        reviewer.locator("tr.history-row[data-reason=recorded]").first.locator(".restore-button").click()
        expect(reviewer.locator(".messagelist")).to_contain_text(f"Change #{change_id} is back as it was")
        change.refresh_from_db()
        assert change.review_state == ReviewState.DRAFT
        assert zone_actor(reviewer, base, "al-joura", DATE) == "government"
        assert public_fill(reviewer, base, "al-joura", DATE) == GOVERNMENT_COLOUR
        reviewer.goto(f"{base}/admin/mapapp/controlchange/{change_id}/history/")
        expect(reviewer.locator("tr.history-row").first).to_have_attribute("data-reason", re.compile("^restored"))
    finally:
        reviewer_context.close()
    assert page.js_errors == []


def test_a_pasted_article_highlights_places_and_a_click_toggles_the_zone(live_server, page, demo, people):
    base = live_server.url
    log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    article = (Path(__file__).resolve().parents[2] / "mapapp/demo/data/sample-article-en.txt").read_text()
    page.fill("#article-text", article)
    page.click("#find-places")
    marks = page.locator("#article-matches mark.place-match")
    expect(marks.first).to_be_visible(timeout=30000)  # the article is matched on the server: seconds on a busy machine
    found = set(marks.evaluate_all("marks => marks.map(m => m.dataset.place)"))
    assert {"al-joura", "al-qusour", "harabesh", "brigade-137"} <= found
    # the highlighted words are the article's own, in place
    assert page.locator("#article-matches").inner_text() == article
    jura = page.locator("#article-matches mark[data-place=al-joura]").first
    assert jura.inner_text() == "Jura"
    # The places the article surely names are ticked, which selects their zones (al-Joura among them).
    expect(page.locator("body")).to_have_attribute("data-selected", re.compile(r"(^|,)al-joura(,|$)"))
    expect(jura).to_have_class(re.compile("is-selected"))
    expect(page.locator("#place-list li[data-place=al-joura] input")).to_be_checked()
    jura.click()  # a click unselects
    expect(page.locator("body")).not_to_have_attribute("data-selected", re.compile(r"(^|,)al-joura(,|$)"))
    expect(page.locator("#article-places li[data-place=al-joura] input")).not_to_be_checked()
    jura.click()  # and selects again
    expect(page.locator("#place-list li[data-place=al-joura] input")).to_be_checked()
    assert page.js_errors == []


def test_the_mark_page_in_arabic_is_right_to_left_and_says_what_is_wrong_in_arabic(live_server, browser, demo, people):
    context = browser.new_context(bypass_csp=True, locale="ar", viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        base = live_server.url
        log_in(page, base, "edna", "/admin/mapapp/controlchange/mark/")
        page.wait_for_selector("body[data-ready=true]")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        page.fill("#id_date", DATE)
        page.dispatch_event("#id_date", "change")
        wait_for_zones(page, DATE)
        page.fill("#place-search", "القصور")
        page.check("#place-list li[data-place=al-qusour] input")
        page.select_option("#id_actor", "isis")
        page.click("#save-change")
        expect(page.locator("#form-errors")).to_have_text(
            "لم يُحفظ التغيير: يحتاج تغيير السيطرة إلى مصدر واحد على الأقل"
        )
        future = "2999-01-01"
        page.fill("#source-0-title", "تقرير")
        page.fill("#source-0-published", future)
        page.click("#save-change")
        expect(page.locator("[data-problem-for=published]")).to_have_text(f"تاريخ النشر {future} في المستقبل")
        assert ControlChange.objects.filter(review_state=ReviewState.DRAFT).count() == 0
    finally:
        context.close()
