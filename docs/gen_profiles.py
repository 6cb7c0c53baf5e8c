"""MkDocs hook: the profile pages and the comparison table come from the code, so they cannot drift.

- ``on_config`` expands the nav entry ``profiles/`` into every page in ``docs/profiles/``
  (``index.md`` first, then by file name), so a new profile page is listed without editing
  ``mkdocs.yml``.
- ``on_page_markdown`` replaces the ``<!-- profile-table -->`` marker with a table built from
  the fields of every preset in ``heapseg.PROFILES``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import attrs

# Document the checkout the site is built from, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import heapseg

MARKER = "<!-- profile-table -->"
PROSE_FIELDS = frozenset({"reproduces"})


def _cell(field: str, value: object) -> str:
    """One value as table text: yes/no, a dash for None, code for choices, prose as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, str):
        if field in PROSE_FIELDS:
            return value.replace("|", "\\|")
        return f"`{value}`" if value else '`""`'
    if isinstance(value, (int, float)):
        return f"`{value}`"
    if isinstance(value, tuple):
        return ", ".join(_cell(field, item) for item in value)
    if attrs.has(type(value)):
        return "<br>".join(
            f"{sub.name}: {_cell(sub.name, getattr(value, sub.name))}"
            for sub in attrs.fields(type(value))
        )
    return f"`{value!r}`"


def profile_table(profiles: dict[str, heapseg.Profile] | None = None) -> str:
    """A Markdown table: one column per preset, one row per :class:`heapseg.Profile` field."""
    chosen = dict(heapseg.PROFILES if profiles is None else profiles)
    names = list(chosen)
    lines = [
        "| field | " + " | ".join(f"`{name}`" for name in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for field in attrs.fields(heapseg.Profile):
        if field.name == "name":
            continue
        cells = [_cell(field.name, getattr(chosen[name], field.name)) for name in names]
        lines.append(f"| `{field.name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def profile_pages(docs_dir: Path) -> list[str]:
    """The pages in ``docs/profiles/``: ``index.md`` first, then by file name."""
    pages = sorted(path.name for path in (docs_dir / "profiles").glob("*.md"))
    ordered = [name for name in pages if name == "index.md"] + [
        name for name in pages if name != "index.md"
    ]
    return [f"profiles/{name}" for name in ordered]


def _expand(entry: Any, docs_dir: Path) -> Any:
    if entry == "profiles/":
        return profile_pages(docs_dir)
    if isinstance(entry, list):
        return [_expand(item, docs_dir) for item in entry]
    if isinstance(entry, dict):
        return {key: _expand(value, docs_dir) for key, value in entry.items()}
    return entry


def on_config(config: Any) -> Any:
    config["nav"] = _expand(config["nav"], Path(config["docs_dir"]))
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, profile_table())
    return markdown
