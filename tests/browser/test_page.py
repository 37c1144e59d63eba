"""The web page in a real browser: Debian's chromium driven by Playwright, the real app under uvicorn on
127.0.0.1 with the sample index and the tests' fact-checks. Every request is recorded (none may leave 127.0.0.1), the console must
stay free of errors, and axe-core (from npm, injected from the local file) must find no serious or
critical accessibility violation.

Screenshots go to $FACTCHECK_SCREENSHOT_DIR when it is set (``build/screenshots`` is git-ignored),
else to a temporary folder.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "data" / "articles" / "nato-russia-de.txt"
EURO = REPO / "tests" / "data" / "articles" / "euro-2020-final-en.txt"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT = 120_000  # ms: an article check takes several seconds on 2 cores


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core, pinned in tests/browser/package.json and installed by ./test.sh (npm ci): no test reaches npm."""
    script = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.fail(f"{script} is missing: ./test.sh installs it (npm ci --prefix tests/browser)")
    return script.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def base_url(factcheck_index, settings_factory):
    import uvicorn

    from service.api.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings_factory(factcheck_index)), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 120
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            pytest.fail("the app did not start")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./test.sh installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900}, accept_downloads=True,
        )  # fmt: skip
        yield context
        context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("FACTCHECK_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture()
def page(browser_context, base_url, axe_source, screenshots, request):
    """A fresh page on the app; afterwards: only 127.0.0.1 was asked, the console had no error, and axe
    found no serious or critical violation."""
    page = browser_context.new_page()
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.set_default_timeout(WAIT)
    page.goto(base_url + "/")
    yield page
    page.screenshot(path=str(screenshots / f"{request.node.name}.png"), full_page=True)
    page.evaluate(axe_source)
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.help)"
    )
    page.close()
    foreign = [
        u for u in requests if urlparse(u).hostname not in ("127.0.0.1",) and not u.startswith(("data:", "blob:"))
    ]
    assert not foreign, f"requests left 127.0.0.1: {foreign}"
    if request.node.get_closest_marker("answers_422"):
        # chromium logs the API's 422 itself; the page showing its message is what the test asserts
        console_errors = [e for e in console_errors if "status of 422" not in e]
    assert not console_errors, f"console errors: {console_errors}"
    assert not violations, f"accessibility violations: {violations}"


def _check_claim(page, claim: str) -> None:
    page.get_by_label("Claim", exact=True).fill(claim)
    page.get_by_role("button", name="Check claim").click()
    page.locator("#results .verdict").first.wait_for()


def test_a_true_claim_shows_supported_with_a_highlighted_sentence(page):
    _check_claim(page, "Belarusian access to NATO HQ restricted")
    badge = page.locator("#results .verdict-line .verdict")
    assert badge.inner_text() == "Supported" and badge.get_attribute("data-verdict") == "SUPPORTED"
    assert re.search(r"confidence \d+%", page.locator("#results .verdict-line").inner_text())
    supporting = page.locator("#results .group.supports .card")
    assert supporting.count() >= 1
    assert "Belarus" in supporting.first.locator("mark").inner_text()
    assert page.locator("#results .group.supports h3").inner_text().startswith("Supporting evidence")
    assert "Index v" in page.locator("#status").inner_text() and page.get_by_role("link", name="API documentation")


def test_a_false_claim_shows_refuted(page):
    _check_claim(page, "Der NATO-Gipfel 2021 fand in Madrid statt")
    assert page.locator("#results .verdict-line .verdict").get_attribute("data-verdict") == "REFUTED"
    refuting = page.locator("#results .group.refutes .card")
    assert refuting.count() >= 1 and refuting.first.locator("mark").count() == 1
    assert "Madrid" in page.locator("#results .group.refutes").inner_text()
    # readable on a phone: nothing wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_a_claim_checked_before_shows_the_prior_fact_check_above_the_evidence(page):
    _check_claim(page, "NATO restricted the access of Belarusian diplomats to its headquarters")
    box = page.get_by_role("region", name="Already fact-checked")
    assert box.locator("h3").inner_text() == "Already fact-checked"
    item = box.locator(".prior-item").first
    assert item.get_attribute("data-rating-class") == "true"
    assert item.locator(".rating").inner_text() == "True"
    assert "Example Checks rated a matching claim True on 2021-06-02" in item.inner_text()
    link = item.get_by_role("link")
    assert link.get_attribute("href") == "https://checks.example.org/2021/06/nato-belarus-headquarters"
    assert link.inner_text() == "Yes, NATO restricted Belarusian access to its headquarters"
    # above the evidence, and apart from our verdict
    above = page.evaluate(
        "() => !!(document.querySelector('#results .prior').compareDocumentPosition("
        "document.querySelector('#results .groups')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    assert above
    _check_claim(page, "Oslo is the capital of Norway.")
    assert page.locator("#results .prior").count() == 0


def test_a_spanish_claim_can_name_its_language(page):
    """Claims in Spanish are checked (the frozen set has 31): the menu offers Spanish and the check sends it."""
    menu = page.get_by_label("Language", exact=True)
    assert "Spanish" in menu.inner_text()
    menu.select_option("es")
    page.get_by_label("Claim", exact=True).fill("La cumbre de la OTAN de 2021 se celebró en Madrid")
    with page.expect_response(lambda r: r.url.endswith("/v1/claims/verify")) as answer:
        page.get_by_role("button", name="Check claim").click()
    assert answer.value.request.post_data_json["language"] == "es"
    assert answer.value.json()["language"] == "es"
    page.locator("#results .verdict").first.wait_for()


def test_an_article_shows_its_claims_and_their_evidence(page):
    article = SEED if SEED.exists() else EURO
    page.get_by_label("An article").check()
    page.get_by_label("Article text").fill(article.read_text(encoding="utf-8"))
    page.get_by_role("button", name="Check article").click()
    page.locator(".article-body .claim-span").first.wait_for()
    spans = page.locator(".article-body .claim-span")
    assert spans.count() >= 4
    assert page.locator(".claim-list li").count() >= spans.count()
    assert re.search(r"\d+ claims checked of \d+ sentences", page.locator(".summary").inner_text())
    spans.last.scroll_into_view_if_needed()  # far down a long text
    spans.last.click()
    assert spans.last.get_attribute("aria-current") == "true"
    detail = page.locator("#claim-detail")
    detail.locator(".verdict-line .verdict").wait_for()
    assert detail.locator(".card").count() >= 1 and detail.locator(".card mark").count() >= 1
    # the evidence shows beside the clicked claim, in view, and the focus moved to it
    assert page.evaluate("document.activeElement.id") == "claim-detail-heading"
    heading, clicked, text = (
        loc.bounding_box() for loc in (detail.locator("h2"), spans.last, page.locator(".article-body"))
    )
    viewport = page.viewport_size
    assert 0 <= heading["y"] < viewport["height"] and 0 <= clicked["y"] < viewport["height"]
    assert heading["x"] >= text["x"] + text["width"]  # in the column beside the text, not below it
    # and back to the claim in the text, by keyboard too
    detail.get_by_role("button", name="Back to this claim in the text").press("Enter")
    assert page.evaluate("document.activeElement.dataset.claim") == spans.last.get_attribute("data-claim")
    page.locator(".claim-list button").first.click()
    assert detail.locator("h2").inner_text() == "Claim 1"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download ClaimReview (JSON-LD)").click()
    assert download.value.suggested_filename == "claimreview.jsonld"


def test_an_uploaded_file_shows_its_text_to_read_and_edit(page, tmp_path):
    page.get_by_label("An article").check()
    story = tmp_path / "story.txt"
    story.write_text("Euro 2020 final\n\nItaly won the Euro 2020 final against England on penalties.\n")
    page.get_by_label("Or upload a file (.txt, .md or .html)").set_input_files(str(story))
    box = page.get_by_label("Article text")
    page.wait_for_function("document.getElementById('article-text').value.includes('Italy won')")
    assert box.input_value().startswith("Euro 2020 final\n\nItaly won the Euro 2020 final")
    assert "story.txt" in page.locator("#article-hint").inner_text()
    # what is checked is what the box shows, edits included
    box.fill(box.input_value().replace("Italy won", "Italy, the holders since 1968, won"))
    page.get_by_role("button", name="Check article").click()
    page.locator(".article-body").wait_for()
    assert "the holders since 1968" in page.locator(".article-body").inner_text()


def test_an_uploaded_html_page_shows_the_text_taken_from_it(page, tmp_path):
    page.get_by_label("An article").check()
    story = tmp_path / "story.html"
    story.write_text(
        "<html><head><title>Euro 2020 final</title></head><body><nav>Home | Sport</nav><article>"
        "<h1>Euro 2020 final</h1><p>Italy won the Euro 2020 final against England on penalties at Wembley "
        "Stadium in London on 11 July 2021.</p><p>The match ended 1-1 after extra time.</p></article></body></html>"
    )
    page.get_by_label("Or upload a file (.txt, .md or .html)").set_input_files(str(story))
    assert "after the check" in page.locator("#article-hint").inner_text()
    page.get_by_role("button", name="Check article").click()
    page.locator("#results h2").first.wait_for()
    shown = page.get_by_label("Article text").input_value()
    assert "Italy won the Euro 2020 final" in shown and "<p>" not in shown


@pytest.mark.answers_422
def test_an_empty_claim_shows_the_error_next_to_the_field(page):
    page.get_by_role("button", name="Check claim").click()
    error = page.locator("#claim-error")
    error.wait_for(state="visible")
    assert "claim is empty" in error.inner_text()
    assert page.get_by_label("Claim", exact=True).get_attribute("aria-invalid") == "true"
    assert page.locator("#results").inner_text().strip()  # never a blank page


def test_the_claim_flow_works_with_the_keyboard_alone(page):
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "claim":
            break
    assert page.evaluate("document.activeElement.id") == "claim"
    # the focused field shows a visible outline
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type("Belarusian access to NATO HQ restricted")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "claim-submit":
            break
    assert page.evaluate("document.activeElement.id") == "claim-submit"
    page.keyboard.press("Enter")
    page.locator("#results .verdict").first.wait_for()
    assert page.locator("#results .verdict-line .verdict").inner_text() == "Supported"


def test_the_api_docs_render_offline(browser_context, base_url):
    page = browser_context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base_url + "/docs")
    page.locator(".opblock").first.wait_for(timeout=60_000)
    assert page.locator(".opblock").count() >= 5
    assert page.get_by_text("/v1/articles/check").count() >= 1
    page.close()
    assert all(urlparse(u).hostname == "127.0.0.1" for u in requests if not u.startswith("data:")), requests
