"""Account rules: sign-up, login, consultant creation. Raises domain errors only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.accounts.security import hash_password, verify_password
from server.accounts.throttle import AuthThrottler
from server.core.audit import record_audit
from server.core.errors import Conflict, InvalidInput, NotAuthenticated, TooManyRequests
from server.models import Company, Role, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10


class SignupIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    display_name: str = Field(min_length=1, max_length=100)
    role: Literal["seeker", "employer"]
    company_name: str | None = Field(default=None, max_length=200)
    locale: Literal["ko", "en"] = "ko"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.lower()
        if not _EMAIL.match(value):
            raise ValueError("not an email address")
        return value


class LoginIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)


class ConsultantCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    email: str = Field(max_length=320)
    password: str = Field(max_length=256)
    display_name: str = Field(min_length=1, max_length=100)

    _email = field_validator("email")(SignupIn._email.__func__)  # type: ignore[attr-defined]


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    role: Role
    locale: str
    company_id: int | None


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    path: str


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("weak_password", min_length=MIN_PASSWORD_LENGTH)


def _email_taken(db: Session, email: str) -> bool:
    return db.scalar(select(func.count()).select_from(User).where(User.email == email)) != 0


def sign_up(db: Session, data: SignupIn, client: ClientInfo, *, company: Company | None = None) -> User:
    """A new account; an employer joins `company` when given (a claimed company), else the
    company named in the form is created."""
    _check_password(data.password)
    if _email_taken(db, data.email):
        raise Conflict("email_taken")
    if data.role == "employer" and company is None:
        if not data.company_name:
            raise InvalidInput("company_required")
        company = Company(name=data.company_name)
        db.add(company)
    user = User(
        email=data.email,
        password_hash=hash_password(data.password),
        role=Role(data.role),
        display_name=data.display_name,
        locale=data.locale,
        company=company,
    )
    db.add(user)
    db.flush()
    record_audit(db, "signup", actor=user, ip=client.ip, path=client.path)
    return user


def authenticate(db: Session, data: LoginIn, client: ClientInfo, throttle: AuthThrottler) -> User:
    email = data.email.strip().lower()
    wait_s = throttle.login_wait_s(client.ip, email)
    if wait_s:
        # Counted in the throttle table and the log, not the audit log (see server/accounts/throttle.py).
        raise TooManyRequests("login_throttled", headers={"Retry-After": str(wait_s)}, seconds=wait_s)
    user = db.scalar(select(User).where(User.email == email))
    if (
        user is None
        or not user.is_active
        or not verify_password(user.password_hash if user else None, data.password)
    ):
        throttle.login_failed(client.ip, email)
        record_audit(db, "login_failed", actor_email=email, ip=client.ip, path=client.path)
        db.commit()
        raise NotAuthenticated("invalid_credentials")
    throttle.login_succeeded(client.ip, email)
    record_audit(db, "login", actor=user, ip=client.ip, path=client.path)
    return user


def check_signup_allowed(client: ClientInfo, throttle: AuthThrottler) -> None:
    wait_s = throttle.signup_attempt(client.ip)
    if wait_s:
        raise TooManyRequests("signup_throttled", headers={"Retry-After": str(wait_s)}, seconds=wait_s)


def create_consultant(db: Session, data: ConsultantCreate, admin: User, client: ClientInfo) -> User:
    _check_password(data.password)
    if _email_taken(db, data.email):
        raise Conflict("email_taken")
    user = User(
        email=data.email,
        password_hash=hash_password(data.password),
        role=Role.CONSULTANT,
        display_name=data.display_name,
    )
    db.add(user)
    db.flush()
    record_audit(db, "consultant_created", actor=admin, ip=client.ip, path=client.path, consultant_id=user.id)
    return user


def ensure_user(
    db: Session,
    *,
    email: str,
    password: str,
    role: Role,
    display_name: str,
    company_name: str | None = None,
) -> tuple[User, bool]:
    """Create the account if it does not exist yet; used for seeding and `untact create-admin`."""
    existing = db.scalar(select(User).where(User.email == email))
    if existing is not None:
        return existing, False
    company = Company(name=company_name) if company_name else None
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name,
        company=company,
    )
    db.add(user)
    db.flush()
    return user, True
