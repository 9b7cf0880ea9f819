"""argon2id password hashes (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite hashes thousands of passwords; it sets this to "cheapest". Production never
# should: a hash records its own parameters, so a cheap one stays cheap until rehashed.
_PROFILE = os.environ.get("GRIDCARE_PASSWORD_HASH_PROFILE", "")
_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST) if _PROFILE == "cheapest" else PasswordHasher()
# Verified against when the login does not exist, so a wrong login costs as long as a wrong password.
_DUMMY = _hasher.hash("gridcare-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
