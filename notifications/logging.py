"""Keep patient-link tokens out of logs.

A token is in the URL path (``/a/<token>/``, ``/survey/<token>/``), and Django logs the path of a
failing request ("Not Found: /a/...") and runserver every request line. Anyone reading the logs
could otherwise open the patient's link. This filter replaces the token with ``[token]``.
"""

from __future__ import annotations

import logging
import re

# The URL prefixes under which patient links live; the token is the next path segment.
LINK_PREFIXES = ("a", "survey")
_TOKEN_IN_PATH = re.compile(r"(/(?:%s)/)[^/\s\"'?#]+" % "|".join(LINK_PREFIXES))  # noqa: UP031


def scrub(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class ScrubLinkTokenFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True
