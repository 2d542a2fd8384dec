"""One seeker's journey in Chromium: diagnosis -> recommended steps -> aptitude test -> profile ->
recommended jobs with explanations -> apply; then the employer sees the applicant in recommended talent."""

from __future__ import annotations

import re
import uuid

import pytest

from server.domain.aptitude import aptitude_items
from server.domain.diagnosis import diagnosis_items
from tests.conftest import screenshot

pytestmark = pytest.mark.browser


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url("**/dashboard")


def test_a_seeker_walks_the_journey_applies_and_the_employer_sees_them(live_server, launch_chromium) -> None:
    base = live_server.base_url
    browser = launch_chromium()
    tag = uuid.uuid4().hex[:6]

    # The employer publishes an office job through the posting form.
    employer = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    _log_in(employer, base, "employer@demo.untact.kr", "demo-employer-1234")
    employer.goto(base + "/employer/postings/new")
    title = f"사무 행정 보조 {tag}"
    employer.get_by_label("공고 제목").fill(title)
    employer.get_by_label("직무 분야").select_option("office_admin")
    employer.get_by_label("지역").fill("서울 중구")
    employer.get_by_label("학력").select_option("high_school")
    employer.get_by_label("최소 연봉 (만 원)").fill("2800")
    employer.get_by_label("최대 연봉 (만 원)").fill("3200")
    employer.get_by_label("담당 업무").fill("민원 서류 접수와 엑셀 자료 정리, 전화 응대를 맡습니다.")
    employer.get_by_label("필수 기술").fill("엑셀, 컴퓨터활용능력")
    employer.get_by_label("우대 기술").fill("한글")
    employer.get_by_role("button", name="등록").click()
    employer.wait_for_url(re.compile(r".*/employer/postings/\d+$"))
    posting_url = employer.url

    # A new seeker signs up; the dashboard shows the nine steps and points to the diagnosis.
    seeker = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    seeker.goto(base + "/signup")
    seeker.get_by_label("구직자").check()
    seeker.get_by_label("이름").fill("한여정")
    seeker.get_by_label("이메일").fill(f"journey-{tag}@example.kr")
    seeker.get_by_label("비밀번호").fill("journey-password-1")
    seeker.get_by_role("button", name="가입하기").click()
    seeker.wait_for_url("**/dashboard")
    steps = seeker.get_by_test_id("journey-steps").locator("li")
    assert steps.count() == 9
    assert seeker.locator('[data-step="diagnosis"]').get_attribute("data-status") == "not_started"
    seeker.get_by_test_id("recommended-next").get_by_role("link").first.click()

    # 1. Diagnosis (the worked example of docs/journey.md) -> scored result and recommended steps.
    seeker.wait_for_url("**/journey/diagnosis")
    answers = {i.item_id: 3 for i in diagnosis_items()}
    answers.update(rd1=1, dc1=2, wb1=5, wb2=5)
    for item_id, value in answers.items():
        seeker.locator(f'input[name="answers.{item_id}"][value="{value}"]').check()
    seeker.get_by_role("button", name="결과 보기").click()
    seeker.wait_for_selector('[data-testid="diagnosis-recommendations"]')
    assert "43" in seeker.get_by_test_id("diagnosis-overall").inner_text()
    recommended = seeker.get_by_test_id("diagnosis-recommendations").inner_text()
    assert "심리 상담" in recommended and "직업 적성 검사" in recommended and "30점" in recommended
    screenshot(seeker, "careers-1-diagnosis-result")

    # 3. Aptitude test: 48 items -> profile chart and recommended fields.
    seeker.get_by_test_id("diagnosis-recommendations").get_by_role("link", name="3. 직업 적성 검사").click()
    seeker.wait_for_url("**/journey/aptitude")
    for item in aptitude_items():
        value = 5 if item.group in ("S", "C") else 2
        seeker.locator(f'input[name="answers.{item.item_id}"][value="{value}"]').check()
    seeker.get_by_role("button", name="결과 보기").click()
    seeker.wait_for_selector('[data-testid="aptitude-chart"] svg')
    assert seeker.get_by_test_id("aptitude-code").inner_text() == "SCR"
    assert "경영·사무" in seeker.get_by_test_id("aptitude-fields").inner_text()
    screenshot(seeker, "careers-2-aptitude-result")

    # Profile: fields, region, skills, discoverable -> recommendations with explanations.
    seeker.get_by_role("link", name="프로필 수정").first.click()
    seeker.wait_for_url("**/profile")
    seeker.get_by_label("경영·사무").check()
    seeker.get_by_label("서울").check()
    seeker.get_by_label("보유 기술").fill("엑셀, 워드")
    seeker.get_by_label("자격증").fill("컴활 2급")
    seeker.get_by_label("경력 사항").fill("구청 민원실에서 1년 동안 서류 접수와 자료 정리를 했습니다.")
    seeker.get_by_label("기업이 내 프로필을 찾고 지원을 제안할 수 있도록 공개합니다.").check()
    screenshot(seeker, "careers-3-profile")
    seeker.get_by_test_id("save-profile").click()
    seeker.wait_for_url("**/recommendations")
    item = seeker.get_by_test_id("recommendations").locator("li.reco-item", has_text=title)
    summary = item.get_by_test_id("match-summary").inner_text()
    assert "보유 기술 일치" in summary and "희망 분야 일치" in summary, summary
    assert "엑셀" in item.inner_text()
    screenshot(seeker, "careers-4-recommendations")

    # 7. Apply from the posting page.
    item.get_by_role("link", name="공고 보고 지원하기").click()
    seeker.wait_for_selector('[data-testid="match"]')
    seeker.get_by_label("기업에 전할 말 (선택)").fill("행정 경험을 살리고 싶습니다.")
    seeker.get_by_test_id("apply").click()
    seeker.wait_for_url("**/applications")
    assert title in seeker.get_by_test_id("applications").inner_text()
    screenshot(seeker, "careers-5-applications")
    seeker.goto(base + "/dashboard")
    assert seeker.locator('[data-step="recommendation"]').get_attribute("data-status") == "done"
    assert seeker.locator('[data-step="aptitude"]').get_attribute("data-status") == "done"
    screenshot(seeker, "careers-6-dashboard-journey")

    # The employer sees the applicant, and the same seeker at the top of recommended talent.
    employer.goto(posting_url)
    assert "한여정" in employer.get_by_test_id("applicants").inner_text()
    talent = employer.get_by_test_id("talent").locator("li.talent-item", has_text="한여정")
    assert talent.count() == 1 and talent.get_by_test_id("talent-applied").is_visible()
    assert "보유 기술 일치" in talent.get_by_test_id("match-summary").inner_text()
    screenshot(employer, "careers-7-employer-talent")
