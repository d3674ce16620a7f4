"""The exported report in a real browser: no outside requests, no serious accessibility issue."""

from __future__ import annotations

import pytest
from browser import (
    axe_violations,
    blocking,
    chromium,
    describe,
    open_report,
    outside_requests,
    requires_chromium,
    sample_report,
)

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return sample_report(tmp_path_factory).html


@pytest.mark.slow
def test_report_makes_no_outside_or_failed_request(report, browser):
    requests, failed = open_report(report, browser)
    assert requests and requests[0] == report.resolve().as_uri()
    assert outside_requests(requests) == []
    assert failed == []


@pytest.mark.slow
def test_report_has_no_serious_accessibility_violation(report, browser):
    violations = axe_violations(report, browser=browser)
    assert blocking(violations) == [], describe(blocking(violations))


def test_helpers_catch_outside_requests_and_violations(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>x</title>'
                    '<script src="https://cdn.example.org/lib.js"></script></head>'
                    '<body><main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                    '</main></body></html>', encoding="utf-8")
    requests, failed = open_report(page, browser)
    assert outside_requests(requests) == ["https://cdn.example.org/lib.js"]
    assert any(f.startswith("https://cdn.example.org/lib.js") for f in failed)
    ids = {v["id"] for v in blocking(axe_violations(page, browser=browser))}
    assert {"image-alt", "html-has-lang"} <= ids
