"""Domain errors carry a message key (see ``mpp_digital.i18n``) and its parameters."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was not met; ``key`` names the message shown to people."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class ValidationError(DomainError):
    """One input field is wrong; ``field`` says which."""

    def __init__(self, field: str, key: str, **params: object) -> None:
        super().__init__(key, **params)
        self.field = field


class NotAllowed(DomainError):
    """The signed-in principal may not do this (or nobody is signed in)."""

    def __init__(self, key: str = "error.not_allowed", **params: object) -> None:
        super().__init__(key, **params)
