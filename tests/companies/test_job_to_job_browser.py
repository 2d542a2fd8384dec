"""In Chromium, on the real server (`untact serve`) pointed at a real SMTP server (aiosmtpd):
a consultant registers a company and its posting after a visit, the claim email arrives, the
company's contact follows its link on a phone, signs up, confirms the posting and it shows on
/jobs; then the employer fills in 기업 진단 and sees the type and the recommended services.
Screenshots at desktop and 390 px go to test-artifacts/."""

from __future__ import annotations

import re
from html import unescape

import pytest
from playwright.sync_api import expect

from tests.conftest import login_in_browser, screenshot
from tests.liveserver import free_port, start_live_server, stop_live_server
from tests.notifications.conftest import parts, smtp_env

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CONTACT = "owner@dongnae-bakery.kr"


@pytest.mark.timeout(300)
def test_a_consultant_registers_a_company_which_claims_confirms_and_diagnoses(
    tmp_path, smtp_server, launch_chromium
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_live_server(tmp_path / "live", smtp_env(smtp_server, base), port=port)
    try:
        browser = launch_chromium()
        consultant = browser.new_context(viewport=DESKTOP, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        login_in_browser(consultant, base, "consultant@demo.untact.kr", "demo-consultant-1234")
        consultant.get_by_role("link", name="내가 등록한 기업").first.click()
        consultant.get_by_test_id("register-company").click()
        consultant.get_by_label("기업명").fill("동네빵집 주식회사")
        consultant.get_by_label("업종").fill("식품 제조")
        consultant.locator("#c-region").fill("부산 해운대구")
        consultant.get_by_label("담당자 이름").fill("김사장")
        consultant.get_by_label("담당자 이메일").fill(CONTACT)
        consultant.locator("#title").fill("제빵 보조 (신입)")
        consultant.locator("#pf-region").fill("부산 해운대구")
        consultant.locator("#duties").fill("새벽 반죽과 성형을 돕고 매장 진열을 맡습니다.")
        screenshot(consultant, "companies-register-desktop")
        consultant.get_by_role("button", name="등록하고 연결 링크 보내기").click()
        consultant.wait_for_url("**/consultant/companies")
        row = consultant.get_by_test_id("registered-companies").locator("tbody tr").first
        expect(row.get_by_test_id("claim-status")).to_contain_text("연결 대기")
        expect(row).to_contain_text("제빵 보조 (신입)")

        # The email, with its one-time link.
        [mail] = smtp_server.wait_for(1, to=CONTACT)
        assert mail["Subject"] == "[언택트] 동네빵집 주식회사 채용공고 확인 요청"
        html = parts(mail)["html"]
        assert "박상담" in html and "알림 설정 바꾸기" not in html and mail["List-Unsubscribe"] is None
        [link] = [unescape(h) for h in re.findall(r'href="([^"]+)" data-testid="email-action"', html)]
        assert link.startswith(f"{base}/companies/claim/")
        mail_view = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        mail_view.set_content(html)
        screenshot(mail_view, "companies-claim-email-390")

        # Nobody sees the posting yet.
        seeker = browser.new_context(viewport=DESKTOP, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        login_in_browser(seeker, base, "seeker@demo.untact.kr", "demo-seeker-1234")
        seeker.goto(base + "/jobs?q=제빵")
        expect(seeker.get_by_text("제빵 보조 (신입)")).to_have_count(0)

        # The contact, on a phone, follows the link and signs up.
        owner = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        owner.goto(link)
        expect(owner.get_by_test_id("claim-summary")).to_contain_text("제빵 보조 (신입)")
        expect(owner.get_by_label("이메일")).to_have_value(CONTACT)
        owner.get_by_label("비밀번호").fill("bakery-pass-123")
        screenshot(owner, "companies-claim-page-390")
        owner.get_by_role("button", name="가입하고 기업 연결").click()
        owner.wait_for_url("**/employer/registered-postings")
        expect(owner.get_by_test_id("company-contact")).to_contain_text("박상담")
        screenshot(owner, "companies-review-390")
        draft = owner.get_by_test_id("draft-posting")
        posting_id = draft.get_attribute("data-posting-id")
        draft.get_by_role("button", name="확인하고 게시").click()
        owner.wait_for_url(f"**/jobs/{posting_id}")

        seeker.goto(base + "/jobs?q=제빵")
        expect(seeker.get_by_role("link", name="제빵 보조 (신입)")).to_have_count(1)

        # The used link is refused with its own error page.
        again = browser.new_context(locale="ko-KR").new_page()  # type: ignore[attr-defined]
        again.goto(link)
        expect(again.locator("[data-code=claim_link_used]")).to_have_count(1)

        # The employer's diagnosis: location answers high, the rest low.
        owner.goto(base + "/dashboard")
        expect(owner.get_by_test_id("dashboard-contact")).to_contain_text("박상담")
        owner.get_by_role("link", name="기업 진단").first.click()
        for n in range(1, 11):
            value = "5" if n in (7, 8) else "2"
            owner.locator(f'input[name="answers.cd{n}"][value="{value}"]').check()
        owner.get_by_role("button", name="진단 결과 보기").click()
        result = owner.get_by_test_id("company-diagnosis-result")
        expect(result).to_have_attribute("data-type", "location")
        expect(owner.get_by_test_id("difficulty-type")).to_have_text("입지·교통형")
        services = owner.get_by_test_id("recommended-services")
        expect(services.locator("li")).to_have_count(3)
        expect(services.get_by_role("link", name="맞춤 인재 추천")).to_have_attribute("href", "/employer/talent")
        expect(services.get_by_role("link", name="채용행사 참여")).to_have_attribute("href", "/events")
        screenshot(owner, "companies-diagnosis-390")
        desktop_owner = owner.context.browser.new_context(viewport=DESKTOP, locale="ko-KR",  # type: ignore[union-attr]
                                                          storage_state=owner.context.storage_state()).new_page()
        desktop_owner.goto(owner.url)
        screenshot(desktop_owner, "companies-diagnosis-desktop")

        # The consultant sees the claim and the type in 내가 등록한 기업.
        consultant.reload()
        expect(row.get_by_test_id("claim-status")).to_contain_text("연결됨")
        expect(row).to_contain_text("입지·교통형")
        screenshot(consultant, "companies-registered-desktop")

        admin = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()  # type: ignore[attr-defined]
        login_in_browser(admin, base, "admin@demo.untact.kr", "demo-admin-1234")
        admin.goto(base + "/admin/company-diagnoses")
        expect(admin.get_by_test_id("count-location")).to_have_text("1")
        screenshot(admin, "companies-admin-390")
    finally:
        stop_live_server(server)
