"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _decoy_hash() -> str:
    return _hasher.hash("decoy password that no account has")


def burn_verification(password: str) -> None:
    """Spend the time of one verification, so an unknown or refused account answers about as
    slowly as a real one (no timing hint about which user names exist)."""
    verify_password(_decoy_hash(), password)


def password_problem(password: str | None, username: str | None = None) -> str | None:
    """Why ``password`` may not be used, in Japanese, or None. Never quotes the password."""
    if not password:
        return "パスワードを入力してください"
    if len(password) < MIN_LENGTH:
        return f"パスワードは{MIN_LENGTH}文字以上にしてください"
    if username and password.strip().casefold() == username.strip().casefold():
        return "利用者名と同じパスワードは使えません"
    return None
