"""What an operator may type to pick a category: its name, its code, or its name's pinyin
(initials or whole syllables), as well as those of the groups above it."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from hotline.categories.models import Category


@lru_cache(maxsize=4096)
def _spelled(name: str) -> str:
    """违章停车 → "违章停车 wztc weizhangtingche"."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
    whole = "".join(lazy_pinyin(name))
    return f"{name} {initials.lower()} {whole.lower()}"


def search_keys(category: Category) -> str:
    """The text a quick-pick box matches typed words against (lower case)."""
    parts = [category.code, _spelled(category.name)]
    parent = category.parent
    while parent is not None:
        parts.append(_spelled(parent.name))
        parent = parent.parent
    return " ".join(parts)
