"""The built HTML in a real browser (Debian chromium + chromedriver, via Selenium).

Renders without console errors, shows the figures, and a provenance link lands on its
appendix row. Needs the session build from tests/test_build.py.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

webdriver = pytest.importorskip("selenium.webdriver")


@pytest.fixture(scope="module")
def browser():
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("chromium/chromedriver missing: `make browser` installs Debian's packages")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="crsreview-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1200,900",
    ):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def page(browser, built_a):
    browser.get((built_a / "manuscript/build/manuscript.html").as_uri())
    return browser


def test_renders_without_console_errors(page):
    severe = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    assert page.title


def test_figures_are_visible(page):
    images = page.find_elements("css selector", "figure img, figure svg")
    assert len(images) >= 4
    for img in images:
        assert img.is_displayed()
        size = img.size
        assert size["width"] > 100 and size["height"] > 50
        if img.tag_name == "img":
            assert page.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)


def test_provenance_link_resolves_to_appendix_row(page):
    link = page.find_elements("css selector", "a.num")[0]
    target = link.get_attribute("href").split("#", 1)[1]
    assert link.get_attribute("title")
    page.execute_script("arguments[0].click()", link)
    anchor = page.find_element("id", target)
    row = anchor.find_element("xpath", "./ancestor::tr")
    assert link.text.strip() in row.text
    assert page.execute_script("return location.hash") == f"#{target}"
