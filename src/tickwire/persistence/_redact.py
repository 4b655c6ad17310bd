"""Credentials out of anything shown or stored: the one redaction every message uses."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["REDACTED", "redact_credentials"]

REDACTED = "***"
"""What stands in for a password."""

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_PARAMETER = re.compile(r"(?i)\b(?P<key>password|passwd|pwd|token|secret)=[^&\s'\"]*")


def _without_password(match: re.Match[str]) -> str:
    url = match[0]
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # not a URL after all (e.g. an unbalanced "[")
        return url
    userinfo, at, host = netloc.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not (at and colon):
        return url
    return url.replace(netloc, f"{user}:{REDACTED}@{host}", 1)


def redact_credentials(text: str) -> str:
    """``text`` with the password of every URL in it (``scheme://user:password@host``) and
    every ``password=`` (``token=``, ``secret=``) value replaced by ``***``; the user
    name stays, to tell which account was meant."""
    return _PARAMETER.sub(rf"\g<key>={REDACTED}", _URL.sub(_without_password, text))
