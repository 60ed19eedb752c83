"""Signed tokens for links and people (itsdangerous: HMAC-SHA1 signatures, constant-time checks).

A link token names a board, a role and the link's version; rotating the link bumps the version,
so older link tokens stop working. A personal token names a board, a person and the role they
joined with; the person's *current* role and status are looked up on every use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer

Role = Literal["facilitator", "participant", "viewer", "reviewer"]
ROLES: tuple[Role, ...] = ("facilitator", "participant", "viewer", "reviewer")

_SALT = "journeyboard.token.v1"


def as_role(text: str) -> Role:
    """A stored role string as a Role; anything unknown is the least powerful role."""
    for role in ROLES:
        if role == text:
            return role
    return "viewer"


class InvalidToken(ValueError):
    """A token that is not ours, was tampered with, or has the wrong shape."""


@dataclass(frozen=True, slots=True)
class LinkToken:
    board_id: str
    role: Role
    version: int


@dataclass(frozen=True, slots=True)
class PersonToken:
    board_id: str
    person_id: str
    role: Role


Token = LinkToken | PersonToken


class TokenSigner:
    """Sign and verify tokens with the server secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 characters")
        self._serializer = URLSafeSerializer(secret, salt=_SALT)

    def sign(self, token: Token) -> str:
        if isinstance(token, LinkToken):
            return str(
                self._serializer.dumps({"b": token.board_id, "r": token.role, "v": token.version})
            )
        return str(
            self._serializer.dumps({"b": token.board_id, "r": token.role, "p": token.person_id})
        )

    def verify(self, text: str) -> Token:
        """Return the token a string carries; raise InvalidToken otherwise."""
        if not text or len(text) > 1024:
            raise InvalidToken("missing or oversized token")
        try:
            data = self._serializer.loads(text)
        except BadSignature as exc:
            raise InvalidToken("bad signature") from exc
        except UnicodeError as exc:  # a lone surrogate has no UTF-8 form to check
            raise InvalidToken("not a token") from exc
        if not isinstance(data, dict):
            raise InvalidToken("bad token payload")
        board, role = data.get("b"), data.get("r")
        if not isinstance(board, str) or role not in ROLES:
            raise InvalidToken("bad token payload")
        if "p" in data and isinstance(data["p"], str):
            return PersonToken(board, data["p"], role)
        version = data.get("v")
        if isinstance(version, int) and not isinstance(version, bool):
            return LinkToken(board, role, version)
        raise InvalidToken("bad token payload")
