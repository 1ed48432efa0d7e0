"""What an operator may type to pick a category: its name, its code, or its name's pinyin
(initials or whole syllables), as well as those of the groups above it.

The pinyin is spelled once, when the taxonomy is loaded (`spell_categories`, into
`category_spellings`): pypinyin's dictionaries take some 60 MB, which no web worker
should carry to render a form."""

from __future__ import annotations

from sqlalchemy import delete, select

from hotline.categories.models import Category, CategorySpelling
from hotline.core.extensions import db


def spell(name: str) -> str:
    """违章停车 → "wztc weizhangtingche"."""
    from pypinyin import Style, lazy_pinyin  # only where the taxonomy is loaded

    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER))
    whole = "".join(lazy_pinyin(name))
    return f"{initials.lower()} {whole.lower()}"


def spell_categories() -> int:
    """Spell every category's name again (in the caller's transaction), as a load of the
    taxonomy ends. Returns how many."""
    db.session.flush()
    categories = db.session.execute(select(Category.id, Category.name)).all()
    db.session.execute(delete(CategorySpelling))
    db.session.add_all(CategorySpelling(category_id=i, spelled=spell(name)) for i, name in categories)
    return len(categories)


def spellings() -> dict[int, str]:
    return dict(db.session.execute(select(CategorySpelling.category_id, CategorySpelling.spelled)).tuples().all())


def search_keys(category: Category, spelled: dict[int, str]) -> str:
    """The text a quick-pick box matches typed words against (lower case)."""
    parts = [category.code]
    node: Category | None = category
    while node is not None:
        parts += [node.name, spelled.get(node.id, "")]
        node = node.parent
    return " ".join(p for p in parts if p)
