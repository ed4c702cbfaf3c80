"""The app works offline as the README starts it: ``streamlit run serve.py`` with no extra flags;
and every page, so loaded, has no serious or critical accessibility violation (axe-core).

Every page is loaded in Chromium; a request from a page to any host but this machine fails the test,
and so does any connection or name lookup the server (or its worker processes) makes off the
machine, recorded by an audit hook (``tests/net_audit/sitecustomize.py``). The server is reached on
the loopback address only; its port comes from Streamlit's environment variable, since 8501 may be
taken, and every other setting from ``.streamlit/config.toml``, as for a user.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from live_server import ROOT
from test_browser_explorer import RUN_FINISHED, Recording

from sim.app.access import SKIP_ID
from sim.bench.local_server import HOST, free_port, stop, wait_healthy

AUDIT = Path(__file__).resolve().parents[1] / "net_audit"
#: Every page of app.py, by its address.
PAGES = ("/", "/compare", "/what_it_takes", "/over_time", "/history", "/model_doc", "/tree",
         "/workshop_team", "/workshop_board", "/workshop_guide")
LOAD_MS = 180_000
SETTLE_MS = 1500


def streamlit_command() -> str:
    """The ``streamlit`` console script of this interpreter's environment, as the README runs it."""
    script = Path(sys.executable).parent / "streamlit"
    assert script.exists(), f"no streamlit script beside {sys.executable}"
    return str(script)


@pytest.fixture(scope="module")
def readme_server(tmp_path_factory):
    """The app started exactly as the README says, with the network audit on; yields (url, audit)."""
    tmp = tmp_path_factory.mktemp("offline")
    audit = tmp / "network.log"
    audit.touch()
    port = free_port()
    path = os.pathsep.join(filter(None, [str(AUDIT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path,
           "ALLIANCE_NET_AUDIT": str(audit), "STREAMLIT_SERVER_PORT": str(port),
           "ALLIANCE_WORKSHOP_DB": str(tmp / "workshop.sqlite3")}
    log = (tmp / "streamlit.log").open("w")
    proc = subprocess.Popen([streamlit_command(), "run", "serve.py"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://{HOST}:{port}"
    try:
        wait_healthy(url, proc, 90)
        yield url, audit
    finally:
        stop(proc)
        log.close()


def test_the_audit_hook_sees_a_lookup_off_the_machine(tmp_path):
    """The audit is not blind: a process that looks up a name off the machine is recorded (the lookup
    itself fails offline, which does not matter; nothing is contacted but the resolver)."""
    audit = tmp_path / "network.log"
    code = "import socket\ntry: socket.getaddrinfo('example.invalid', 80)\nexcept OSError: pass\n"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(AUDIT), "ALLIANCE_NET_AUDIT": str(audit)})
    assert "example.invalid" in audit.read_text()


#: axe-core's impacts that fail a page; "moderate" and "minor" ones are printed, not failed.
FAILING_IMPACTS = ("serious", "critical")


@pytest.mark.browser
def test_every_page_served_by_the_readme_command_stays_on_this_machine(readme_server, browser, capsys):
    """One load of each page checks both: no request off the machine, and axe-core's audit (WCAG 2.1
    A and AA rules among them) finds no serious or critical violation and no heading that skips a
    level; the first Tab on every page reaches the skip link, and Enter on it focuses the content."""
    url, audit = readme_server
    axe = Axe()
    problems, moderate = [], []
    for path in PAGES:
        page = browser.new_context().new_page()
        recording = Recording()
        recording.attach(page)
        page.goto(url + path)
        page.locator("[data-testid='stMain']").first.wait_for(timeout=LOAD_MS)
        page.wait_for_function(RUN_FINISHED, timeout=LOAD_MS)
        page.wait_for_timeout(SETTLE_MS)
        violations = axe.run(page).response["violations"]
        problems += [f"{path}: accessibility, {v['impact']}: {v['id']} ({len(v['nodes'])} elements)"
                     for v in violations if v["impact"] in FAILING_IMPACTS]
        moderate += [f"{path}: {v['impact']} {v['id']}" for v in violations
                     if v["impact"] not in FAILING_IMPACTS]
        problems += [f"{path}: headings skip a level ({len(v['nodes'])} elements)" for v in violations
                     if v["id"] == "heading-order"]
        page.keyboard.press("Tab")   # the first Tab reaches the skip link, which moves the focus to the page
        if page.evaluate("document.activeElement.id") != SKIP_ID:
            problems.append(f"{path}: the first Tab does not reach the skip link")
        else:
            page.keyboard.press("Enter")
            if page.evaluate("document.activeElement.dataset.testid") != "stMain":
                problems.append(f"{path}: the skip link does not move the focus to the main content")
        assert recording.requests, f"{path}: nothing was recorded"
        problems += [f"{path}: left the machine: {u}" for u in recording.outside_requests()]
        page.context.close()
    with capsys.disabled():
        print("\naxe-core, not failing:", "; ".join(moderate) or "nothing")
    server_side = audit.read_text().splitlines()
    assert not problems and not server_side, "\n".join(problems + server_side)


def test_a_server_served_to_the_network_never_asks_for_its_public_address():
    """With --server.address 0.0.0.0 (serving a class) a headless Streamlit would ask a web service
    for the machine's public address; serve.py turns that off before the server starts."""
    code = ("import runpy, streamlit.net_util as n\nrunpy.run_path('serve.py')\n"
            "print(n.get_external_ip())\n")
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           timeout=120, check=True).stdout
    assert shown.strip().splitlines()[-1] == "None", shown


@pytest.mark.browser
def test_the_accessibility_audit_fails_a_page_with_an_unlabelled_field(browser):
    """axe-core is not blind here: a text field without a label is a critical violation."""
    page = browser.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><input type="text">'
                     "</main></body></html>")
    impacts = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
    page.close()
    assert impacts.get("label") in FAILING_IMPACTS, impacts
