"""Job To Job Visit through the API (SQLite and PostgreSQL): a consultant registers a company and
a posting, the posting is a draft nobody else sees (not in /jobs, search, recommendations or the
job page), the emailed one-time link attaches a new employer, who confirms the posting; expired,
used and forged links, employers of another company and a consultant editing a claimed company
are refused."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.companies.service import CLAIM_SALT
from tests.careers.conftest import save_profile
from tests.companies.conftest import CONTACT, claim_link, registration_body

pytestmark = pytest.mark.unit


def _register(consultant) -> dict:
    response = consultant.send_json("POST", "/api/companies/registrations", registration_body())
    assert response.status_code == 201, response.text
    return response.json()


def _claim_signup(client, path: str, email: str = CONTACT):
    return client.post(path + "/signup", data={
        "email": email, "password": "bakery-pass-123", "display_name": "김사장", "csrf_token": client.csrf(),
    }, follow_redirects=False)


def test_a_registered_posting_stays_hidden_until_the_claiming_employer_confirms_it(
    people, smtp_server, make_client
) -> None:
    consultant = people("consultant", "planner@centre.kr", name="박설계")
    seeker = people("seeker", "seeker@x.kr")
    save_profile(seeker)
    created = _register(consultant)
    posting_id = created["posting_id"]
    assert created["posting_status"] == "draft"

    # Invisible to everyone outside the company: search, the job page, recommendations, applying.
    assert posting_id not in [p["id"] for p in seeker.get("/api/careers/postings").json()["postings"]]
    assert seeker.get(f"/api/careers/postings/{posting_id}").status_code == 404
    assert seeker.get(f"/jobs/{posting_id}", headers={"Accept": "text/html"}).status_code == 404
    recs = seeker.get("/api/careers/recommendations").json()["recommendations"]
    assert posting_id not in [r["posting"]["id"] for r in recs]
    assert seeker.send_json("POST", f"/api/careers/postings/{posting_id}/apply", {"message": "지원"}).status_code == 404

    listed = consultant.get("/api/companies/registrations").json()["companies"]
    assert [(c["name"], c["claimed"], c["postings"][0]["status"]) for c in listed] == [("동네빵집 주식회사", False, "draft")]

    # The contact's email carries the link; following it, they sign up and are attached.
    link = claim_link(smtp_server)
    path = urlsplit(link).path
    assert link.startswith("http://untact.test/companies/claim/")
    owner = make_client()
    landing = owner.get(path, headers={"Accept": "text/html"})
    assert landing.status_code == 200 and "제빵 보조 (신입)" in landing.text and "박설계" in landing.text
    signed_up = _claim_signup(owner, path)
    assert signed_up.status_code == 303 and signed_up.headers["location"] == "/employer/registered-postings"
    me = owner.get("/api/me").json()
    assert me["role"] == "employer" and me["company_id"] == created["company_id"]
    review = owner.get("/employer/registered-postings", headers={"Accept": "text/html"})
    assert "제빵 보조 (신입)" in review.text and "박설계" in review.text  # the consultant stays the contact

    # Still a draft until confirmed; confirming publishes it to search and matching.
    assert posting_id not in [p["id"] for p in seeker.get("/api/careers/postings").json()["postings"]]
    assert owner.send_json("POST", f"/api/companies/postings/{posting_id}/publish").json()["status"] == "open"
    assert owner.send_json("POST", f"/api/companies/postings/{posting_id}/publish").status_code == 409
    assert posting_id in [p["id"] for p in seeker.get("/api/careers/postings").json()["postings"]]
    recs = seeker.get("/api/careers/recommendations").json()["recommendations"]
    assert posting_id in [r["posting"]["id"] for r in recs]
    assert seeker.get(f"/api/careers/postings/{posting_id}").status_code == 200

    listed = consultant.get("/api/companies/registrations").json()["companies"]
    assert listed[0]["claimed"] and listed[0]["claimed_by"] == "김사장" and listed[0]["postings"][0]["status"] == "open"
    company_page = seeker.get(f"/companies/{created['company_id']}", headers={"Accept": "text/html"})
    assert 'data-testid="company-contact">박설계 · planner@centre.kr' in company_page.text

    # The link is used up; the consultant may no longer edit the company; its employer may.
    again = make_client().get(path, headers={"Accept": "text/html"})
    assert again.status_code == 410 and 'data-code="claim_link_used"' in again.text
    edit_page = consultant.get(f"/consultant/companies/{created['company_id']}/edit", headers={"Accept": "text/html"})
    assert edit_page.status_code == 409 and 'data-code="company_already_claimed"' in edit_page.text
    edit = consultant.send_json("PUT", f"/api/companies/registrations/{created['company_id']}",
                                {"name": "바뀐 이름"})
    assert edit.status_code == 409 and edit.json()["error"]["code"] == "company_already_claimed"
    assert owner.send_json("PUT", "/api/careers/company", {"industry": "베이커리"}).status_code == 200


def test_claim_refusals(people, smtp_server, make_client, app_client) -> None:
    consultant = people("consultant", "planner@centre.kr", name="박설계")
    other_consultant = people("consultant", "other@centre.kr", name="남설계")
    created = _register(consultant)
    path = urlsplit(claim_link(smtp_server)).path
    token = path.rsplit("/", 1)[1]

    # Before the claim the consultant edits the company; another consultant cannot see it.
    assert consultant.send_json("PUT", f"/api/companies/registrations/{created['company_id']}",
                                {"name": "동네빵집", "region": "부산"}).status_code == 200
    edit_page = consultant.get(f"/consultant/companies/{created['company_id']}/edit", headers={"Accept": "text/html"})
    assert edit_page.status_code == 200 and 'value="동네빵집"' in edit_page.text
    assert other_consultant.send_json("PUT", f"/api/companies/registrations/{created['company_id']}",
                                      {"name": "남의 것"}).status_code == 404
    assert other_consultant.get("/api/companies/registrations").json()["companies"] == []

    # An employer of another company is refused, on the page and through the API.
    other_employer = people("employer", "boss@elsewhere.kr", company="다른회사")
    page = other_employer.get(path, headers={"Accept": "text/html"})
    assert 'data-code="claim_other_company"' in page.text
    refused = other_employer.send_json("POST", f"/api/companies/claim/{token}")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "claim_other_company"
    # A seeker cannot claim (the route is for employers).
    seeker = people("seeker", "s@x.kr")
    assert seeker.send_json("POST", f"/api/companies/claim/{token}").status_code == 403

    # A forged token, and one signed for the right company with a wrong nonce.
    forged = make_client().get("/companies/claim/not-a-token", headers={"Accept": "text/html"})
    assert forged.status_code == 404 and 'data-code="claim_link_invalid"' in forged.text
    secret = app_client.app.state.settings.secret_key
    wrong = URLSafeTimedSerializer(secret, salt=CLAIM_SALT).dumps({"c": created["company_id"], "n": "guess"})
    assert make_client().get(f"/companies/claim/{wrong}").status_code == 404

    # A resend makes the first link stop working; the new one arrives and works.
    assert consultant.send_json("POST", f"/api/companies/registrations/{created['company_id']}/resend").status_code == 200
    assert make_client().get(path).status_code == 404
    new_path = urlsplit(claim_link(smtp_server, count=2)).path
    assert new_path != path
    assert make_client().get(new_path, headers={"Accept": "text/html"}).status_code == 200

    # An expired link: the typed error page.
    import datetime as dt

    from server.core.db import session_scope, utcnow
    from server.models import CompanyRegistration

    with session_scope(app_client.app.state.sessionmaker) as db:
        row = db.get(CompanyRegistration, created["company_id"])
        assert row is not None
        row.link_expires_at = utcnow() - dt.timedelta(minutes=1)
    expired = make_client().get(new_path, headers={"Accept": "text/html"})
    assert expired.status_code == 410 and 'data-code="claim_link_expired"' in expired.text
    signup = _claim_signup(make_client(), new_path)
    assert signup.status_code == 410


def test_only_consultants_register_and_the_employer_without_company_can_claim_by_login(
    people, smtp_server, make_client, app_client
) -> None:
    employer = people("employer", "e@x.kr")
    assert employer.send_json("POST", "/api/companies/registrations", registration_body()).status_code == 403
    consultant = people("consultant", "planner@centre.kr", name="박설계")
    created = _register(consultant)
    token = urlsplit(claim_link(smtp_server)).path.rsplit("/", 1)[1]
    # An existing employer account with no company yet logs in and claims.
    from server.accounts.service import ensure_user
    from server.core.db import session_scope
    from server.models import Role

    with session_scope(app_client.app.state.sessionmaker) as db:
        ensure_user(db, email="loose@x.kr", password="loose-pass-123", role=Role.EMPLOYER, display_name="무소속")
    loose = make_client()
    loose.login("loose@x.kr", "loose-pass-123")
    claimed = loose.send_json("POST", f"/api/companies/claim/{token}")
    assert claimed.status_code == 200, claimed.text
    assert loose.get("/api/me").json()["company_id"] == created["company_id"]
    assert loose.send_json("POST", f"/api/companies/claim/{token}").json()["error"]["code"] == "claim_link_used"


def test_a_draft_posting_cannot_be_shown_at_an_event_booth_until_the_company_confirms_it(
    people, smtp_server
) -> None:
    from datetime import datetime, timedelta

    consultant = people("consultant", "booth-planner@centre.kr", name="박설계")
    created = _register(consultant)
    soon = datetime.now().replace(microsecond=0) + timedelta(days=2)
    event = consultant.send_json("POST", "/api/events", {
        "kind": "meeting_day", "title": "만남의 날", "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=6)).isoformat(), "status": "published",
    })
    assert event.status_code == 201, event.text
    refused = consultant.send_json("POST", f"/api/events/{event.json()['id']}/booths", {
        "company_id": created["company_id"], "posting_id": created["posting_id"],
    })
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "event_posting_not_public"
    assert "게시되지 않은" in refused.json()["error"]["message"]
    booth = consultant.send_json("POST", f"/api/events/{event.json()['id']}/booths", {"company_id": created["company_id"]})
    assert booth.status_code == 201, booth.text  # the company itself may take part
