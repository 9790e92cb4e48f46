"""The area chart's readout (static/js/viewer/chart.js) is updated in place on a step, its items made again only
when the sides holding ground change: after steps it reads what a page opened at that date reads."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READY = "[data-viewer][data-ready=true]"
READOUT = "() => [...document.querySelectorAll('[data-chart=readout] li')].map((li) => li.textContent)"
# Before the siege, during it and at its end: sides gain and lose ground (on the demo every side holds some all along).
DATES = ("2014-01-01", "2014-07-13", "2015-02-01", "2016-06-01", "2017-11-03", "2014-03-01")


def test_the_readout_after_steps_reads_as_on_a_page_opened_at_that_date(page, live_server, demo):
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date={DATES[0]}")
    page.wait_for_selector(READY)
    stepped = {}
    for iso in DATES:
        page.evaluate("(iso) => window.frontlineViewer.setDay(window.frontlineViewer.calendar.dayOf(iso), 'none')", iso)
        stepped[iso] = page.evaluate(READOUT)
    assert len({tuple(items) for items in stepped.values()}) > 3  # the figures moved
    for iso in DATES:
        page.goto(f"{live_server.url}/maps/deir-ez-zor/?date={iso}")
        page.wait_for_selector(READY)
        assert page.evaluate(READOUT) == stepped[iso], iso
    assert page.js_errors == []
