"""The dashboard in a real headless browser (Playwright driving Debian's chromium)."""

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium on this machine (apt-get install chromium); "
                              ".ci/run installs it so CI runs this test"),
]




@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "coprod.main", "dashboard", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=Path(__file__).parents[1], env={**os.environ})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("the dashboard did not start within 90 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_dashboard_loads_runs_and_reacts_to_controls(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server, timeout=90_000)
        step = page.get_by_role("button", name="STEP")
        step.wait_for(timeout=90_000)
        page.get_by_text("coprod: who coordinates volunteer activities").wait_for()
        # Every lever slider shows its value; baseline starts with policy_share at 0.20.
        page.get_by_text("Municipalities with a local volunteer policy: 0.20").wait_for()
        page.wait_for_timeout(1500)
        # Choosing a scenario moves the sliders to its values (it sets policy_share = 1).
        page.get_by_label("Scenario").first.click(force=True)
        page.get_by_role("option", name="local_volunteer_policy").click()
        page.get_by_text("Municipalities with a local volunteer policy: 1.00").wait_for(
            timeout=20_000)
        # Then another scenario, and a lever moved by hand.
        page.get_by_label("Scenario").first.click(force=True)
        page.get_by_role("option", name="trust_forums").click()
        page.get_by_text("Municipalities with a local volunteer policy: 0.20").wait_for(
            timeout=20_000)
        page.get_by_text("Collaboration forums (0–1): 1.00").wait_for()
        # The forums' slider, found by its label (Mesa's own sliders before it differ
        # between Mesa releases).
        slider = page.locator(".v-input").filter(
            has_text="Collaboration forums").get_by_role("slider")
        slider.focus()
        for _ in range(3):
            slider.press("ArrowLeft")
        page.get_by_text("Collaboration forums (0–1): 0.85").wait_for(timeout=20_000)
        page.get_by_role("button", name="RESET").click()
        page.wait_for_timeout(2000)
        # RESET builds the model with the scenario and the sliders as shown.
        page.get_by_text("scenario trust_forums").first.wait_for(timeout=30_000)
        page.get_by_text("forum_intensity=0.85").first.wait_for()
        # The ensemble band, or a note that there is no ensemble for the scenario.
        page.get_by_text(re.compile(r"^(Ensemble band: \d+ runs|No (usable )?ensemble) "
                                    r".*'trust_forums'")).wait_for(timeout=20_000)
        charts = page.locator("img")
        charts.first.wait_for()
        before = [charts.nth(i).get_attribute("src") for i in range(charts.count())]
        # Mesa's counter: "Time: 0.0" (Mesa 3.5 and later) or "Step: 0" (earlier).
        counter = re.compile(r"^(Time|Step): ")
        start = float(page.get_by_text(counter).inner_text().split(":")[1])
        # shares vs observed, the run against its ensemble, coordination, volunteers, trust
        assert len(before) == 5
        for _ in range(3):
            step.click()
            page.wait_for_timeout(1200)
        page.get_by_text(re.compile(rf"^(Time|Step): {start + 3:g}(\.0)?$")).wait_for(
            timeout=20_000)
        after = [charts.nth(i).get_attribute("src") for i in range(charts.count())]
        assert all(a != b for a, b in zip(before, after, strict=True)), "charts did not change"
        browser.close()
    assert not errors, errors
