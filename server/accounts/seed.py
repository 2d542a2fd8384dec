"""Demo accounts for trying the service on embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from server.accounts.service import ensure_user
from server.core.db import session_scope
from server.models import Role


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    display_name: str
    company_name: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount(Role.SEEKER, "seeker@demo.untact.kr", "demo-seeker-1234", "김구직"),
    DemoAccount(Role.EMPLOYER, "employer@demo.untact.kr", "demo-employer-1234", "이채용", "한빛소프트(데모)"),
    DemoAccount(Role.CONSULTANT, "consultant@demo.untact.kr", "demo-consultant-1234", "박상담"),
    DemoAccount(Role.ADMIN, "admin@demo.untact.kr", "demo-admin-1234", "최관리"),
)


def seed_demo_accounts(factory: sessionmaker[Session]) -> list[DemoAccount]:
    """Create the demo accounts that are missing; existing ones are left as they are."""
    with session_scope(factory) as db:
        for account in DEMO_ACCOUNTS:
            ensure_user(
                db,
                email=account.email,
                password=account.password,
                role=account.role,
                display_name=account.display_name,
                company_name=account.company_name,
            )
    return list(DEMO_ACCOUNTS)
