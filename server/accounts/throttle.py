"""Login and sign-up throttling that slows an attacker without locking out the owner.

- Per account + address: after `max_failures` wrong passwords, each further attempt from that
  address for that account must wait 2^k seconds (k = failures past the limit, capped), answered
  with `429 login_throttled` and `Retry-After`. The owner logging in from another address is not
  affected.
- Per address, over all accounts: a looser cap (`max_failures_per_address` in the window).
- Sign-up: `signup_max_per_address` attempts per address in `signup_window_s`.

State lives in the `auth_throttle` table, so every app process behind a load balancer sees the
same counters; nothing is written to the audit log (a flood cannot push real events off it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server.core.db import utcnow
from server.models import AuthThrottle

log = logging.getLogger("untact.throttle")

MAX_KEY_LENGTH = 400


@dataclass
class AuthThrottler:
    sessionmaker: sessionmaker[Session]
    max_failures: int = 5
    window_s: int = 300
    max_delay_s: int = 900
    max_failures_per_address: int = 50
    signup_max_per_address: int = 100
    signup_window_s: int = 3600
    clock: Callable[[], datetime] = field(default=utcnow)

    # ------------------------------------------------------------------ keys

    @staticmethod
    def _account_key(ip: str, email: str) -> str:
        return f"acct_ip:{email.strip().lower()}|{ip}"[:MAX_KEY_LENGTH]

    @staticmethod
    def _address_key(ip: str) -> str:
        return f"ip:{ip}"[:MAX_KEY_LENGTH]

    @staticmethod
    def _signup_key(ip: str) -> str:
        return f"signup:{ip}"[:MAX_KEY_LENGTH]

    # ------------------------------------------------------------------ storage

    def _update(self, key: str, change: Callable[[AuthThrottle, datetime], int]) -> int:
        """Runs `change` on the key's row (created if missing) in its own transaction, so the
        count is kept even when the request itself fails; returns what `change` returns."""
        for _ in range(3):
            db = self.sessionmaker()
            try:
                now = self.clock()
                row = db.get(AuthThrottle, key, with_for_update=True)
                if row is None:
                    row = AuthThrottle(key=key, failures=0, first_at=now, last_at=now, refused=0)
                    db.add(row)
                result = change(row, now)
                db.commit()
                return result
            except IntegrityError:
                db.rollback()  # another process created the row first: read it again
            finally:
                db.close()
        raise RuntimeError(f"could not update throttle row {key!r}")

    def _read_wait(self, key: str) -> int:
        with self.sessionmaker() as db:
            row = db.get(AuthThrottle, key)
            return _wait_s(row.blocked_until, self.clock()) if row is not None else 0

    def _count_refusal(self, key: str) -> None:
        def refuse(row: AuthThrottle, now: datetime) -> int:
            row.refused += 1
            return 0

        self._update(key, refuse)

    # ------------------------------------------------------------------ login

    def login_wait_s(self, ip: str, email: str) -> int:
        """Seconds before this address may try this account again (0: now)."""
        for key in (self._account_key(ip, email), self._address_key(ip)):
            wait = self._read_wait(key)
            if wait:
                self._count_refusal(key)
                log.warning("login throttled", extra={"throttle_key": key.split(":", 1)[0], "wait_s": wait, "ip": ip})
                return wait
        return 0

    def login_failed(self, ip: str, email: str) -> None:
        def account(row: AuthThrottle, now: datetime) -> int:
            quiet_since = row.blocked_until or row.last_at
            if row.failures and now - quiet_since > timedelta(seconds=self.window_s):
                row.failures, row.first_at, row.blocked_until = 0, now, None
            row.failures += 1
            row.last_at = now
            if row.failures >= self.max_failures:
                delay = min(2 ** (row.failures - self.max_failures), self.max_delay_s)
                row.blocked_until = now + timedelta(seconds=delay)
            return 0

        def address(row: AuthThrottle, now: datetime) -> int:
            if now - row.first_at > timedelta(seconds=self.window_s):
                row.failures, row.first_at, row.blocked_until = 0, now, None
            row.failures += 1
            row.last_at = now
            if row.failures >= self.max_failures_per_address:
                row.blocked_until = row.first_at + timedelta(seconds=self.window_s)
            return 0

        self._update(self._account_key(ip, email), account)
        self._update(self._address_key(ip), address)

    def login_succeeded(self, ip: str, email: str) -> None:
        with self.sessionmaker() as db:
            row = db.get(AuthThrottle, self._account_key(ip, email))
            if row is not None:
                db.delete(row)
                db.commit()

    # ------------------------------------------------------------------ sign-up

    def signup_attempt(self, ip: str) -> int:
        """Counts a sign-up attempt from the address; returns the wait (0: go ahead)."""

        def attempt(row: AuthThrottle, now: datetime) -> int:
            if now - row.first_at > timedelta(seconds=self.signup_window_s):
                row.failures, row.first_at, row.blocked_until = 0, now, None
            wait = _wait_s(row.blocked_until, now)
            if wait:
                row.refused += 1
                return wait
            row.failures += 1
            row.last_at = now
            if row.failures >= self.signup_max_per_address:
                row.blocked_until = row.first_at + timedelta(seconds=self.signup_window_s)
            return 0

        wait = self._update(self._signup_key(ip), attempt)
        if wait:
            log.warning("signup throttled", extra={"wait_s": wait, "ip": ip})
        return wait

    def purge_stale(self, older_than: timedelta) -> int:
        """Drops rows untouched for `older_than` (run from the periodic cleanup)."""
        from sqlalchemy import delete

        cutoff = self.clock() - older_than
        with self.sessionmaker() as db:
            result = db.execute(delete(AuthThrottle).where(AuthThrottle.last_at < cutoff))
            db.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _wait_s(blocked_until: datetime | None, now: datetime) -> int:
    if blocked_until is None or blocked_until <= now:
        return 0
    return max(1, math.ceil((blocked_until - now).total_seconds()))
