"""Email: a notification rendered as a multipart message (plain text + HTML from the Jinja
templates in web/templates/email/, attachments such as the invitation's .ics), sent over
SMTP with aiosmtplib. SMTP errors say whether they are worth retrying (`JobFailed.retryable`):
a server that is down or answers 4xx is tried again by the job queue, a 5xx refusal is not.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape

from server.core.config import PROJECT_ROOT, Settings
from server.core.db import utcnow
from server.core.i18n import translate
from server.jobs.queue import JobFailed

EMAIL_TEMPLATES = PROJECT_ROOT / "web" / "templates" / "email"

# Its own environment: the plain-text part must not be HTML-escaped.
_env = Environment(
    loader=FileSystemLoader(EMAIL_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class EmailContent:
    """What one email says, in the recipient's language, with absolute links."""

    locale: str
    recipient_name: str
    subject: str
    body: str  # paragraphs separated by blank lines
    action_label: str
    action_url: str
    preferences_url: str = ""
    unsubscribe_url: str = ""


def render_email(content: EmailContent) -> tuple[str, str]:
    """(plain text, HTML) from the email templates."""

    def t(key: str, **params: Any) -> str:
        return translate(content.locale, key, **params)

    context = {
        "t": t,
        "locale": content.locale,
        "c": content,
        "paragraphs": [p.strip() for p in content.body.split("\n\n") if p.strip()],
    }
    text = _env.get_template("notification.txt").render(context)
    html = _env.get_template("notification.html").render(context)
    return text, html


class EncodedSubject(str):
    """A Subject folded into RFC 2047 encoded words by `email.header.Header`.

    Python 3.11's default folder leaves the space between two encoded words outside them, and
    readers drop such whitespace (RFC 2047 §6.2): "화상 면접" arrived as "화상면접". `Header`
    keeps spaces inside the encoded words. With SMTPUTF8 the text goes as it is.
    """

    name = "Subject"

    def fold(self, *, policy: Any) -> str:
        text = str(self)
        if policy.utf8 or text.isascii():
            return f"{self.name}: {text}{policy.linesep}"
        encoded = Header(text, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def build_message(
    content: EmailContent,
    *,
    sender: str,
    to_email: str,
    attachments: list[dict[str, Any]],
) -> EmailMessage:
    text, html = render_email(content)
    sender_name, sender_address = parseaddr(sender)
    message = EmailMessage()
    message["Subject"] = EncodedSubject(content.subject)
    message["From"] = Address(sender_name or translate(content.locale, "app.name"), addr_spec=sender_address)
    message["To"] = Address(content.recipient_name, addr_spec=to_email)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2] or None)
    message["Content-Language"] = content.locale
    message["Auto-Submitted"] = "auto-generated"
    if content.unsubscribe_url:  # (a one-off email to someone without an account has none)
        message["List-Unsubscribe"] = f"<{content.unsubscribe_url}>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for item in attachments:
        maintype, _, subtype = str(item["content_type"]).partition("/")
        params = {"charset": "utf-8"}
        if item.get("method"):
            params["method"] = str(item["method"])
        message.add_attachment(
            str(item["text"]).encode("utf-8"), maintype=maintype, subtype=subtype,
            filename=str(item["filename"]), params=params,
        )
    return message


# ----------------------------------------------------------------- SMTP


def smtp_error(exc: Exception) -> JobFailed:
    """The job error for an SMTP failure, retryable when a later try may succeed."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        retryable = bool(codes) and all(400 <= code < 500 for code in codes)
        return JobFailed(f"smtp_{codes[0] if codes else 'refused'}", str(exc), retryable=retryable)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return JobFailed(f"smtp_{exc.code}", str(exc), retryable=400 <= exc.code < 500)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return JobFailed("smtp_not_supported", str(exc), retryable=False)  # e.g. no STARTTLS: a setting
    if isinstance(exc, aiosmtplib.SMTPException | OSError | TimeoutError):
        # Connection refused, reset or timed out: the server may be back in a moment.
        return JobFailed("smtp_unavailable", str(exc) or type(exc).__name__, retryable=True)
    return JobFailed("smtp_error", str(exc), retryable=False)


def send_email(settings: Settings, message: EmailMessage) -> None:
    """Send one message (blocking; runs on a job worker's thread)."""
    implicit_tls = settings.smtp_port == 465
    try:
        asyncio.run(
            aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password or None,
                use_tls=implicit_tls,
                start_tls=settings.smtp_starttls and not implicit_tls,
                timeout=settings.smtp_timeout_s,
            )
        )
    except Exception as exc:
        raise smtp_error(exc) from exc
