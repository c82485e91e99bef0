"""Argon2id password hashing.

The cost comes from the settings (``FERNBLICK_ARGON2_*``; the defaults are
argon2-cffi's recommended ones). Each hash records its own parameters, so changing
the cost never invalidates existing passwords.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from orchestrator.settings import load_settings

MIN_PASSWORD_LENGTH = 8


@cache
def _hasher() -> PasswordHasher:
    settings = load_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so timing does not reveal accounts."""
    return _hasher().hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        ok = _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None
