"""Small typed helpers that read settings from the environment."""

import os


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_header(name: str) -> tuple[str, str] | None:
    """A request header and the value that marks it, e.g. "X-Forwarded-Proto: https", as
    Django's META key and value: ("HTTP_X_FORWARDED_PROTO", "https")."""
    header, _, value = os.environ.get(name, "").partition(":")
    if not header.strip() or not value.strip():
        return None
    return "HTTP_" + header.strip().upper().replace("-", "_"), value.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
