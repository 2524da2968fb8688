"""One redaction for everything a run stores, prints or logs.

URLs lose their user:password part and the values of query parameters that look like secrets
(`?api_key=...`, `?sig=...`, `?code=...`); key-shaped strings (`sk-...`, `Bearer ...`) anywhere in a text
are masked. In free text the user:password part is found up to its `@` whatever it holds (a quote, `<`
or a space in a password once ended the match early and left the password in run.json), and so is
each secret query value up to its `&`. Config mappings additionally mask the values of secret-looking
keys (`api_key`, `token`), except `*_env` and `*_header` names, which hold a variable's or a header's
*name*, never a value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "<redacted>"
_SECRET_NAME = re.compile(r"(api[_-]?key|apikey|key|token|secret|password|passwd|pwd|auth|authorization|"
                          r"signature|sig|credential|session)", re.I)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#@\n]{1,512}@")
"""scheme://user:password@ — the password may hold anything but the URL's own delimiters."""
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;](?P<name>[^=&#?\s]{1,64})=)(?P<value>[^&#\s]*)")
_SECRET_PARAMS = frozenset({"code"})
"""Query parameters that are secrets by exact name (Azure Functions' `?code=`), besides `_SECRET_NAME`."""


def _secret_param(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) or name.lower() in _SECRET_PARAMS
_KEYLIKE = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+)")


def strip_userinfo(url: str) -> str:
    """The URL without `user:password@` (nothing else changed): what is safe to hand to an HTTP client,
    which would otherwise send the userinfo as Basic auth instead of the API key as Bearer."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def url_secrets(url: str) -> list[str]:
    """The secret parts of a URL (password, secret-looking query values), to mask them in free text
    that quotes them without the scheme (a server echoing the request path)."""
    try:
        parts = urlsplit(url)
        found = [parts.password or ""] + [v for k, v in parse_qsl(parts.query, keep_blank_values=True)
                                          if _secret_param(k)]
    except ValueError:
        return []
    return [s for s in found if s]


def split_query(url: str) -> tuple[str, dict[str, str]]:
    """(URL without userinfo and query, query parameters): an HTTP client sends the parameters with
    every request (`?api-version=...`) instead of gluing paths after the `?`."""
    parts = urlsplit(strip_userinfo(url))
    return urlunsplit(parts._replace(query="", fragment="")), dict(parse_qsl(parts.query, keep_blank_values=True))


def redact_url(url: str) -> str:
    """The URL with userinfo removed and secret-looking query values masked."""
    try:
        parts = urlsplit(strip_userinfo(url))
    except ValueError:  # not parseable as a URL: mask it whole rather than risk a leak
        return MASK
    if not parts.query:
        return urlunsplit(parts)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    masked = [(k, MASK if _secret_param(k) else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(masked, safe="<>")))


def redact_text(text: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """Free text (an error message, a log line, a command argument) with every URL redacted,
    the given secret values and key-shaped strings masked."""
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, MASK)
    text = _USERINFO.sub(lambda m: m.group("scheme"), text)
    text = _URL.sub(lambda m: redact_url(m.group(0)), text)
    text = _QUERY_PARAM.sub(lambda m: m.group("lead") + MASK if _secret_param(m.group("name")) else m.group(0), text)
    return _KEYLIKE.sub(MASK, text)


def _secret_key(name: str) -> bool:
    return bool(re.search(r"(api[_-]?key|token|secret|password|authorization)", name, re.I)) \
        and not name.endswith(("_env", "_header"))


def redact(obj: Any) -> Any:
    """Copy of a config (mappings, lists, strings) safe to store: secret-looking keys masked, every
    string passed through `redact_text`."""
    if isinstance(obj, dict):
        return {k: (MASK if _secret_key(str(k)) and v else redact(v)) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact(v) for v in obj]
    if isinstance(obj, str):
        return redact_text(obj)
    return obj
