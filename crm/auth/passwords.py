"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations) and
the password policy (a length minimum, and zxcvbn against common and trivial passwords)."""

import unicodedata
from collections.abc import Sequence
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


# The password policy: long enough, and not guessable. zxcvbn (Dropbox's estimator: common
# passwords, dictionary words, names, keyboard patterns, repeats, sequences, dates, the user's
# own name) scores 0–4; 3 means "safely unguessable" against an attacker with the hashes.
MAX_LENGTH = 128
MIN_SCORE = 3
MIN_DISTINCT = 5
_ZXCVBN_MAX = 72  # zxcvbn refuses to estimate longer inputs (its cost grows with length)

_WHY = {
    "This is a top-10 common password.": "よく使われるパスワードの上位にあります",
    "This is a top-100 common password.": "よく使われるパスワードの上位にあります",
    "This is a very common password.": "よく使われるパスワードです",
    "This is similar to a commonly used password.": "よく使われるパスワードに似ています",
    "A word by itself is easy to guess.": "単語ひとつだけでは推測されやすいです",
    "Names and surnames by themselves are easy to guess.": "人名だけでは推測されやすいです",
    "Common names and surnames are easy to guess.": "よくある人名は推測されやすいです",
    "Straight rows of keys are easy to guess.": "キーボードの横一列の並びは推測されやすいです",
    "Short keyboard patterns are easy to guess.": "キーボードの並びは推測されやすいです",
    'Repeats like "aaa" are easy to guess.': "同じ文字の繰り返しは推測されやすいです",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        "同じ語の繰り返しは推測されやすいです"
    ),
    'Sequences like "abc" or "6543" are easy to guess.': (
        "「abc」「6543」のような連続は推測されやすいです"
    ),
    "Recent years are easy to guess.": "最近の年は推測されやすいです",
    "Dates are often easy to guess.": "日付は推測されやすいです",
}


def _guessable_because(password: str, user_inputs: list[str]) -> str | None:
    """Why zxcvbn finds ``password`` guessable (Japanese), or None when it scores well."""
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=user_inputs)
    if result["score"] >= MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        return "利用者名・氏名・メールアドレスを含んでいます"
    return _WHY.get(result["feedback"]["warning"], "短い、または単純な組み合わせです")


def password_problem(
    password: str | None, username: str | None = None, user_inputs: Sequence[str] = ()
) -> str | None:
    """Why ``password`` may not be used, in Japanese, or None. Never quotes the password.

    ``user_inputs``: the account's other words (display name, e-mail), which a password should
    not be built from."""
    if not password:
        return "パスワードを入力してください"
    if len(password) < MIN_LENGTH:
        return f"パスワードは{MIN_LENGTH}文字以上にしてください"
    if len(password) > MAX_LENGTH:
        return f"パスワードは{MAX_LENGTH}文字以内にしてください"
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        return "パスワードに制御文字（改行・タブなど）は使えません"
    if not password.strip():
        return "空白だけのパスワードは使えません"
    if username and password.strip().casefold() == username.strip().casefold():
        return "利用者名と同じパスワードは使えません"
    # Full-width letters and digits count as the half-width ones they look like.
    folded = unicodedata.normalize("NFKC", password)
    if len(set(folded.casefold()) - {" "}) < MIN_DISTINCT:
        return f"パスワードには{MIN_DISTINCT}種類以上の文字を使ってください"
    words = [w for w in (username, *user_inputs) if w]
    words += [w.split("@")[0] for w in words if "@" in w]
    why = _guessable_because(folded, words)
    if why:
        return (
            f"推測されやすいパスワードのため使えません（{why}）。"
            "単語を3〜4つ組み合わせるなど、長く推測しにくいものにしてください"
        )
    return None
