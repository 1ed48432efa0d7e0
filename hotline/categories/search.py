"""What an operator may type to pick a category: its name, its code, or its name's pinyin
(initials or whole syllables), as well as those of the groups above it.

The pinyin is spelled once, when a category is written (`spell`, into
`categories.spelled`): pypinyin's dictionaries take some 60 MB, which no web worker
should carry to render a form."""

from __future__ import annotations

from hotline.categories.models import Category


def spell(name: str) -> str:
    """违章停车 → "wztc weizhangtingche"."""
    from pypinyin import Style, lazy_pinyin  # only where categories are written

    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
    whole = "".join(lazy_pinyin(name))
    return f"{initials.lower()} {whole.lower()}"


def search_keys(category: Category) -> str:
    """The text a quick-pick box matches typed words against (lower case)."""
    parts = [category.code]
    node: Category | None = category
    while node is not None:
        parts += [node.name, node.spelled or ""]
        node = node.parent
    return " ".join(p for p in parts if p)
