"""What the access log calls each page a patient's data is shown on.

The log stores a page's URL name (``patients:chart``): stable, and never a query string. People
read a name instead ("Chart"). The apps that own the pages sit above ``clinics``, so each registers
its names here from its ``chart_parts.register()``; the access-log walk test checks that every
logged page has one.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

_NAMES: dict[str, str | Promise] = {}


def register_page_names(names: Mapping[str, str | Promise]) -> None:
    for url_name, name in names.items():
        if _NAMES.get(url_name, name) != name:
            raise ImproperlyConfigured(f"two names for the page {url_name}")
        _NAMES[url_name] = name


def page_name(url_name: str) -> str:
    """The page's name for people; the URL name itself when none is registered."""
    name = _NAMES.get(url_name)
    return str(name) if name is not None else url_name


def has_page_name(url_name: str) -> bool:
    return url_name in _NAMES
