"""The README's layout table matches the tree: every path it names exists, every top-level part
of the repository is in it, and the modules a row names stand in that row's folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Small files at the top that need no row of their own.
UNLISTED = {".dockerignore", ".gitignore", "README.md", "conftest.py"}


def _rows() -> list[tuple[list[str], str]]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Repository layout", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            rows.append((re.findall(r"`([^`]+)`", cells[0]), cells[1]))
    return rows


def _expand(name: str) -> list[Path]:
    return sorted(ROOT.glob(name.rstrip("/"))) if "*" in name else [ROOT / name.rstrip("/")]


def test_every_path_the_table_names_exists() -> None:
    for names, _what in _rows():
        for name in names:
            assert any(p.exists() for p in _expand(name)), f"README layout names {name}, which is not in the tree"


def test_every_top_level_part_of_the_repository_has_a_row() -> None:
    tracked = subprocess.run(  # noqa: S603
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True  # noqa: S607
    ).stdout.split()
    top = {path.split("/")[0] for path in tracked}
    listed = {p.relative_to(ROOT).parts[0] for names, _what in _rows() for name in names for p in _expand(name)}
    assert top - UNLISTED - listed == set()


def test_the_modules_a_folders_row_names_are_in_that_folder() -> None:
    for names, what in _rows():
        folder = ROOT / names[0]
        if not names[0].endswith("/") or not folder.is_dir():
            continue
        for module in re.findall(r"`([\w/]+\.py)`", what):
            found = list(folder.rglob(Path(module).name)) or (ROOT / module).exists()  # or the root's, as "(root)"
            assert found, f"{names[0]} row names {module}, not in {folder.name}/"
