"""The Content-Security-Policy in a real Chromium: the main pages of each role load with zero
CSP violations and their scripts still work, and script stored in data never runs."""

from __future__ import annotations

import sqlite3
import time
import uuid

import httpx
import pytest

from tests.conftest import login_in_browser

pytestmark = pytest.mark.browser

# Collected before any page script runs, so a violation anywhere on the page is seen.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

PAGES = {
    ("seeker@demo.untact.kr", "demo-seeker-1234"): [
        "/dashboard", "/practice", "/practice/new", "/jobs", "/profile", "/recommendations", "/applications",
        "/journey", "/journey/diagnosis", "/journey/cover-letters", "/journey/follow-up", "/interviews",
        "/notifications", "/devices",
    ],
    ("employer@demo.untact.kr", "demo-employer-1234"): [
        "/dashboard", "/employer/postings", "/employer/postings/new", "/employer/talent", "/employer/company",
        "/employer/profile", "/interviews", "/companies",
    ],
    ("consultant@demo.untact.kr", "demo-consultant-1234"): [
        "/dashboard", "/review", "/consultant/seekers", "/consultant/slots", "/notifications",
    ],
    ("admin@demo.untact.kr", "demo-admin-1234"): [
        "/dashboard", "/admin/audit", "/admin/journeys", "/admin/consultants", "/companies", "/review",
    ],
}


def watch_csp(page) -> list[str]:
    errors: list[str] = []
    page.add_init_script(CSP_LISTENER)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def csp_errors(page, console: list[str]) -> list[str]:
    violations = page.evaluate("window.__cspViolations || []")
    return violations + [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m]


@pytest.mark.parametrize("account", list(PAGES), ids=lambda a: a[0].split("@")[0])
def test_main_pages_load_without_csp_violations(live_server, launch_chromium, account) -> None:
    email, password = account
    browser = launch_chromium()
    page = browser.new_page(locale="ko-KR")
    console = watch_csp(page)
    login_in_browser(page, live_server.base_url, email, password)
    for path in PAGES[account]:
        response = page.goto(live_server.base_url + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        assert csp_errors(page, console) == [], path
    page.close()


def test_page_scripts_still_work_under_the_policy(live_server, launch_chromium) -> None:
    """A JS-driven form (module script, fetch with the CSRF header) saves and navigates."""
    browser = launch_chromium()
    page = browser.new_page(locale="ko-KR")
    console = watch_csp(page)
    login_in_browser(page, live_server.base_url, "employer@demo.untact.kr", "demo-employer-1234")
    page.goto(live_server.base_url + "/employer/profile")
    marker = f"CSP 확인 {uuid.uuid4().hex[:6]}"
    page.get_by_label("기업 소개").fill(marker)
    page.locator("form[data-api] button[type=submit]").click()
    page.wait_for_url("**/companies/*")
    assert marker in page.content()
    assert csp_errors(page, console) == []


def test_script_in_stored_data_never_runs(live_server, launch_chromium) -> None:
    base = live_server.base_url
    email = f"xss-{uuid.uuid4().hex[:8]}@example.kr"
    with httpx.Client(base_url=base) as http:
        http.get("/healthz")
        headers = {"X-CSRF-Token": http.cookies["untact_csrf"]}
        created = http.post("/api/auth/signup", headers=headers, json={
            "email": email, "password": "xss-password-1", "display_name": "<img src=x onerror=window.__xss=1>",
            "role": "employer", "company_name": "악성<script>window.__xss=2</script>회사",
        })
        assert created.status_code == 201, created.text
        refused = http.put("/api/careers/company", headers=headers, json={"website": "javascript:window.__xss=3"})
        assert refused.status_code == 422
        saved = http.put("/api/careers/company", headers=headers, json={
            "description": "<script>window.__xss=4</script><a href=\"javascript:window.__xss=5\">x</a>",
        })
        assert saved.status_code == 200, saved.text
        company_id = saved.json()["id"]
    # A value stored before the rule existed (written straight into the database).
    with sqlite3.connect(live_server.data_dir / "untact.db") as db:
        db.execute("UPDATE careers_company_profiles SET website = ? WHERE company_id = ?",
                   ("JaVaScRiPt:window.__xss=6", company_id))

    browser = launch_chromium()
    page = browser.new_page(locale="ko-KR")
    console = watch_csp(page)
    login_in_browser(page, base, "admin@demo.untact.kr", "demo-admin-1234")
    for path in (f"/companies/{company_id}", "/companies", "/admin/audit"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, path
    page.goto(base + f"/companies/{company_id}")
    website = page.get_by_test_id("company-website")
    assert website.inner_text() == "JaVaScRiPt:window.__xss=6"
    assert website.evaluate("el => el.tagName") == "SPAN"  # shown as text, not as a link
    assert page.locator("a[href^='javascript' i]").count() == 0
    website.click()
    assert page.evaluate("window.__xss") is None
    # Even script that reaches the page unescaped would be blocked: the policy refuses inline code.
    blocked = page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__xss = 7';
                               document.body.appendChild(s); return window.__xss; }""")
    assert blocked is None
    # The browser reports the refusal as an event and a console message after the script was
    # refused, not synchronously: wait for both (they must arrive, or the wait times out).
    page.wait_for_function("() => window.__cspViolations.some((v) => v.includes('script-src'))", timeout=10000)
    deadline = time.monotonic() + 10
    while not any("Content Security Policy" in m for m in console) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert any("Content Security Policy" in m for m in console)


API_FETCH = """async ([method, url, body]) => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const r = await fetch(url, {method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
                              body: body === null ? undefined : JSON.stringify(body)});
  return [r.status, await r.json()];
}"""


def test_media_pages_load_and_run_their_scripts_under_the_policy(live_server, launch_chromium) -> None:
    """The practice answer page and the live-room page (WebRTC, WebSockets) under the same CSP."""
    base = live_server.base_url
    browser = launch_chromium()
    seeker = browser.new_page(locale="ko-KR")
    seeker_console = watch_csp(seeker)
    login_in_browser(seeker, base, "seeker@demo.untact.kr", "demo-seeker-1234")
    status, session = seeker.evaluate(API_FETCH, ["POST", "/api/practice/sessions", {"source": "field", "field": "it_dev"}])
    assert status == 201, session
    for path in (f"/practice/{session['id']}", f"/practice/{session['id']}/report", f"/practice/{session['id']}/feedback"):
        response = seeker.goto(base + path)
        assert response is not None and response.status == 200, path
        seeker.wait_for_load_state("networkidle")
        assert csp_errors(seeker, seeker_console) == [], path

    employer = browser.new_page(locale="ko-KR")
    employer_console = watch_csp(employer)
    login_in_browser(employer, base, "employer@demo.untact.kr", "demo-employer-1234")
    status, inv = employer.evaluate(API_FETCH, ["POST", "/api/interviews/invitations", {
        "seeker_email": "seeker@demo.untact.kr", "kind": "live", "scheduled_at": "2031-06-01T10:00:00", "title": "CSP 면접"}])
    assert status == 201, inv
    for path in (f"/interviews/{inv['id']}", f"/interviews/{inv['id']}/room"):
        response = employer.goto(base + path)
        assert response is not None and response.status == 200, path
        employer.wait_for_load_state("networkidle")
        assert csp_errors(employer, employer_console) == [], path
    employer.wait_for_function("() => document.body.dataset.roomReady === '1'", timeout=15000)  # its module ran
