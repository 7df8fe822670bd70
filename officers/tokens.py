"""Short-lived bearer tokens: JWTs signed with the secret key, naming the officer and the
officer's token version. Every request still reads the officer, so a disabled account or a
reset password stops its tokens at once."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
AUDIENCE = "yizhan-officer"


class BadToken(ValueError):
    pass


@dataclass(frozen=True)
class TokenClaims:
    officer_id: int
    version: int
    expires_at: datetime | None = None


def _key(secret: str) -> bytes:
    """A key of its own, derived from the secret: 32 bytes whatever the secret's length, and not
    the key of the ID-number hashes or the status links."""
    return hmac.new(secret.encode(), b"officer-token", hashlib.sha256).digest()


def issue(secret: str, officer_id: int, version: int, minutes: int) -> str:
    now = datetime.now(UTC)
    return jwt.encode({"sub": str(officer_id), "ver": version, "aud": AUDIENCE, "iat": now,
                       "exp": now + timedelta(minutes=minutes)}, _key(secret), ALGORITHM)


def read(secret: str, token: str) -> TokenClaims:
    try:
        claims = jwt.decode(token, _key(secret), algorithms=[ALGORITHM], audience=AUDIENCE,
                            options={"require": ["sub", "ver", "exp"]})
        return TokenClaims(int(claims["sub"]), int(claims["ver"]),
                           datetime.fromtimestamp(claims["exp"], UTC))
    except jwt.ExpiredSignatureError:
        raise BadToken("the token has expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise BadToken("the token is not valid") from None
