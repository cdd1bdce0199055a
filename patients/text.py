"""Text helpers shared by patient search and validation."""

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents, so "José Müller" is found by "jose muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
