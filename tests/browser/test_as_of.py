"""The map page as the public saw it at a moment (?as_of=): the viewer draws the older record, says so, and links
to today's (issue 16)."""

import pytest
from django.utils import timezone

from tests.browser.test_viewer import open_map, zone_fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_viewer_draws_the_record_as_it_stood_and_links_to_today(page, live_server, world):
    world.place("a", 0.0, 0.0, 0.1)
    world.place("b", 0.1, 0.0, 0.1)
    world.actor("gov", "#c62828")
    world.actor("rebels", "#2e7d32")
    world.map()
    world.change("2015-01-01", ["a", "b"], "gov")
    moment = timezone.now()
    world.change("2015-06-01", ["a"], "rebels", title="Rebels take a")

    as_of = moment.isoformat().replace("+", "%2B")
    open_map(page, live_server, slug="test-map", query=f"?date=2016-01-01&as_of={as_of}")
    assert zone_fill(page, "a") == "#c62828" and zone_fill(page, "b") == "#c62828"
    notice = page.locator("[data-as-of]")
    assert "The record as the public saw it on" in notice.inner_text()
    notice.get_by_role("link").click()
    page.wait_for_selector("[data-viewer][data-ready=true]", timeout=15000)
    assert page.locator("[data-as-of]").count() == 0
    assert zone_fill(page, "a") == "#2e7d32" and zone_fill(page, "b") == "#c62828"
    assert page.js_errors == []
