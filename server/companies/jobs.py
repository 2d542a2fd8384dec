"""`send_company_claim_email`: the one-time claim link to the contact of a company a consultant
registered. The contact has no account (so no notification preferences): a one-off email with
no unsubscribe footer, sent after the commit that registered the company (or asked to resend)."""

from __future__ import annotations

import logging
from typing import Any

from server.companies.service import claim_token
from server.core.config import Settings, load_settings
from server.core.db import session_scope
from server.core.i18n import translate
from server.jobs.queue import JobContext
from server.models import Company, CompanyRegistration, User
from server.notifications import mail

log = logging.getLogger("untact.companies")


def send_company_claim_email(context: JobContext, payload: dict[str, Any]) -> None:
    settings = context.services.get("settings")
    settings = settings if isinstance(settings, Settings) else load_settings()
    if not settings.email_enabled:
        log.warning("company claim email not sent: no SMTP server configured", extra=payload)
        return
    with session_scope(context.sessionmaker) as db:
        registration = db.get(CompanyRegistration, int(payload["company_id"]))
        # A resend replaced the nonce, or the company was claimed meanwhile: this link is dead.
        if registration is None or registration.nonce != payload.get("nonce") or registration.claimed_at:
            return
        company = db.get(Company, registration.company_id)
        consultant = db.get(User, registration.consultant_id) if registration.consultant_id else None
        locale = "ko"
        params = {
            "company": company.name if company else "",
            "consultant": consultant.display_name if consultant else translate(locale, "app.name"),
            "days": str(settings.company_claim_max_age_days),
        }
        content = mail.EmailContent(
            locale=locale,
            recipient_name=registration.contact_name,
            subject=translate(locale, "companies.claim_email_subject", **params),
            body=translate(locale, "companies.claim_email_body", **params),
            action_label=translate(locale, "companies.claim_email_action"),
            action_url=f"{settings.base_url}/companies/claim/{claim_token(settings.secret_key, registration)}",
        )
        message = mail.build_message(content, sender=settings.smtp_from, to_email=registration.contact_email,
                                     attachments=[])
    mail.send_email(settings, message)
    log.info("company claim email sent", extra={"company_id": payload["company_id"]})
