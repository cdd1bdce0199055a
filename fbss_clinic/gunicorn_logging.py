"""gunicorn's access log without patient data.

gunicorn logs requests itself, outside Django's logging, so the filter in ``notifications.logging``
never sees them. This logger class cleans the values before any access-log format uses them:
patient-link tokens in paths, request lines and referrers become ``[token]``, and query strings
(a patient search may be in one) are left out. Use it with
``--logger-class fbss_clinic.gunicorn_logging.ScrubbedLogger``.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from notifications.logging import scrub


def _clean(value: str) -> str:
    path, mark, rest = value.partition("?")
    if mark:
        # "GET /x?q=... HTTP/1.1": keep the protocol after the query string, drop the query.
        protocol = rest.rpartition(" ")[2] if " " in rest else ""
        value = f"{path}?[query]" + (f" {protocol}" if protocol else "")
    return scrub(value)


class ScrubbedLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = _clean(value)
        if atoms.get("q"):
            atoms["q"] = "[query]"
        if atoms.get("{query_string}e"):
            atoms["{query_string}e"] = "[query]"
        return atoms
