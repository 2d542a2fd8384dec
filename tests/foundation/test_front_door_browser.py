"""The front door and the phone-sized layout, as a person sees them in Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import login_in_browser, screenshot
from tests.reliability.test_web_security_browser import csp_errors, watch_csp

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_the_landing_page_says_what_untact_is_for_each_role(live_server, launch_chromium) -> None:
    page = launch_chromium().new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    console = watch_csp(page)
    page.goto(live_server.base_url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "면접 연습부터 채용까지, 만나지 않고도"
    for role, title in [("seeker", "구직자"), ("employer", "기업 담당자"), ("consultant", "상담사")]:
        assert page.get_by_test_id(f"role-{role}").get_by_role("heading").inner_text() == title
    assert page.get_by_role("list").filter(has_text="AI 면접 연습").locator("li").count() == 9
    assert page.get_by_test_id("menu-toggle").is_hidden()  # wide screens show the links as they are
    screenshot(page, "front-door-landing-ko")
    assert csp_errors(page, console) == []

    page.get_by_test_id("signup-employer").click()
    page.wait_for_url("**/signup?role=employer")
    assert page.get_by_label("기업 담당자").is_checked()

    page.goto(live_server.base_url + "/?lang=en")
    assert page.get_by_role("heading", level=1).inner_text().startswith("From interview practice")


def test_the_menu_folds_on_a_phone_and_tables_scroll_inside_the_page(live_server, launch_chromium) -> None:
    page = launch_chromium().new_page(locale="ko-KR", viewport=PHONE)
    console = watch_csp(page)
    page.goto(live_server.base_url + "/")
    screenshot(page, "front-door-landing-phone-ko")
    login_in_browser(page, live_server.base_url, "admin@demo.untact.kr", "demo-admin-1234")

    toggle = page.get_by_test_id("menu-toggle")
    audit_link = page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="감사 로그")
    assert toggle.is_visible() and audit_link.is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and audit_link.is_visible()
    screenshot(page, "front-door-menu-open-phone-ko")
    page.keyboard.press("Escape")
    assert audit_link.is_hidden()

    toggle.click()
    audit_link.click()
    page.wait_for_url("**/admin/audit")
    # The page itself never scrolls sideways on a phone: a wide table scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    table = page.locator("main table").first
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # the e-mail column is wider than a phone
    screenshot(page, "front-door-audit-phone-ko")
    assert csp_errors(page, console) == []  # the menu script runs under the policy
