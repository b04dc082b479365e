"""The hierarchical risk taxonomy: categories (``C8``) with subcategories (``C8S1``).

A :class:`Taxonomy` is immutable; ``add``/``remove``/``subset`` return new instances, so one taxonomy
can be shared across threads and requests while each call lists its own provided categories.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from proguard_core.errors import TaxonomyError

# Ids are what separates a taxonomy answer from an out-of-taxonomy name in model output,
# so custom categories must use the same shape as the built-in ones.
CATEGORY_ID_PATTERN = re.compile(r"^C(\d+)(?:S(\d+))?$")
_LOOSE_ID_PATTERN = re.compile(r"^\s*c\s*(\d+)\s*(?:s\s*(\d+))?\s*$", re.IGNORECASE)


def normalize_category_id(text: str) -> str | None:
    """``"c8s1"``, ``" C8 S1 "`` -> ``"C8S1"``; anything that is not id-shaped -> ``None``."""
    match = _LOOSE_ID_PATTERN.match(text)
    if match is None:
        return None
    major, minor = match.groups()
    return f"C{int(major)}" + (f"S{int(minor)}" if minor is not None else "")


@dataclass(frozen=True)
class Category:
    """One category or subcategory. ``parent`` is the category id for subcategories."""

    id: str
    name: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    parent: str | None = None

    @property
    def is_subcategory(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class _Node:
    category: Category
    children: tuple[Category, ...] = field(default=())


class Taxonomy:
    """An ordered, immutable set of top-level categories, each with optional subcategories."""

    def __init__(self, nodes: Iterable[_Node]) -> None:
        self._nodes: tuple[_Node, ...] = tuple(nodes)
        index: dict[str, Category] = {}
        for node in self._nodes:
            for cat in (node.category, *node.children):
                if cat.id in index:
                    raise TaxonomyError(f"duplicate category id {cat.id!r}")
                index[cat.id] = cat
        self._index = index

    # construction -------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Taxonomy:
        """Build from ``{"categories": [{"id", "name", "description", "synonyms", "subcategories"}]}``."""
        try:
            raw_categories = data["categories"]
        except (KeyError, TypeError) as exc:
            raise TaxonomyError("taxonomy data needs a 'categories' list") from exc
        nodes = []
        for raw in raw_categories:
            parent = _category_from_dict(raw, parent=None)
            children = tuple(
                _category_from_dict(sub, parent=parent.id) for sub in raw.get("subcategories", ())
            )
            nodes.append(_Node(parent, children))
        return cls(nodes)

    @classmethod
    def from_file(cls, path: str | Path) -> Taxonomy:
        with open(path, encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))

    def to_dict(self) -> dict[str, Any]:
        return {
            "categories": [
                {
                    **_category_to_dict(node.category),
                    "subcategories": [_category_to_dict(sub) for sub in node.children],
                }
                for node in self._nodes
            ]
        }

    # lookup -------------------------------------------------------------------------------------

    def get(self, category_id: str) -> Category:
        """Return the category with this id (case and spacing tolerant); raise TaxonomyError if unknown."""
        key = normalize_category_id(category_id) or category_id
        try:
            return self._index[key]
        except KeyError:
            raise TaxonomyError(
                f"unknown category id {category_id!r}; known: {', '.join(self.ids)}"
            ) from None

    def find(self, category_id: str) -> Category | None:
        key = normalize_category_id(category_id)
        return self._index.get(key) if key else None

    def __contains__(self, category_id: object) -> bool:
        return isinstance(category_id, str) and self.find(category_id) is not None

    def __iter__(self) -> Iterator[Category]:
        """Every category and subcategory, parents before their children."""
        for node in self._nodes:
            yield node.category
            yield from node.children

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Taxonomy) and self._nodes == other._nodes

    def __hash__(self) -> int:
        return hash(self._nodes)

    def __repr__(self) -> str:
        return f"Taxonomy({', '.join(node.category.id for node in self._nodes)})"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(cat.id for cat in self)

    @property
    def categories(self) -> tuple[Category, ...]:
        """Top-level categories only."""
        return tuple(node.category for node in self._nodes)

    def children(self, category_id: str) -> tuple[Category, ...]:
        target = self.get(category_id)
        for node in self._nodes:
            if node.category.id == target.id:
                return node.children
        return ()

    def top_level(self, category_id: str) -> Category:
        """The category itself, or the parent of a subcategory."""
        cat = self.get(category_id)
        return self.get(cat.parent) if cat.parent else cat

    # derivation ---------------------------------------------------------------------------------

    def add(
        self,
        category_id: str,
        name: str,
        description: str = "",
        synonyms: Sequence[str] = (),
        *,
        parent: str | None = None,
    ) -> Taxonomy:
        """Return a taxonomy with one more category (or subcategory when ``parent`` is given)."""
        if not CATEGORY_ID_PATTERN.match(category_id):
            raise TaxonomyError(f"category id {category_id!r} must look like 'C12' or 'C12S1'")
        if category_id in self._index:
            raise TaxonomyError(f"category id {category_id!r} already exists")
        if not name.strip():
            raise TaxonomyError("a category needs a non-empty name")
        new = Category(category_id, name.strip(), description.strip(), tuple(synonyms), parent)
        if parent is None:
            if "S" in category_id:
                raise TaxonomyError(f"{category_id!r} is a subcategory id; pass parent=")
            return Taxonomy((*self._nodes, _Node(new)))
        parent_cat = self.get(parent)
        if parent_cat.is_subcategory:
            raise TaxonomyError("subcategories cannot have subcategories")
        if not category_id.startswith(parent_cat.id + "S"):
            raise TaxonomyError(f"subcategory {category_id!r} must start with {parent_cat.id + 'S'!r}")
        new = Category(category_id, new.name, new.description, new.synonyms, parent_cat.id)
        return Taxonomy(
            _Node(node.category, (*node.children, new)) if node.category.id == parent_cat.id else node
            for node in self._nodes
        )

    def remove(self, *category_ids: str) -> Taxonomy:
        """Return a taxonomy without these ids; removing a category removes its subcategories."""
        drop = {self.get(cid).id for cid in category_ids}
        return Taxonomy(
            _Node(node.category, tuple(c for c in node.children if c.id not in drop))
            for node in self._nodes
            if node.category.id not in drop
        )

    def subset(self, category_ids: Iterable[str]) -> Taxonomy:
        """The "provided categories" for one call.

        A category id keeps the category with all its subcategories; a subcategory id keeps its
        parent with only the named subcategories.
        """
        wanted = [self.get(cid) for cid in category_ids]
        if not wanted:
            raise TaxonomyError("a category subset needs at least one id")
        whole = {c.id for c in wanted if not c.is_subcategory}
        partial = {c.id for c in wanted if c.is_subcategory}
        nodes = []
        for node in self._nodes:
            if node.category.id in whole:
                nodes.append(node)
                continue
            kept = tuple(c for c in node.children if c.id in partial)
            if kept:
                nodes.append(_Node(node.category, kept))
        return Taxonomy(nodes)


def _category_from_dict(raw: Mapping[str, Any], parent: str | None) -> Category:
    try:
        category_id = str(raw["id"])
        name = str(raw["name"])
    except KeyError as exc:
        raise TaxonomyError(f"category entry is missing {exc.args[0]!r}: {dict(raw)!r}") from None
    if not CATEGORY_ID_PATTERN.match(category_id):
        raise TaxonomyError(f"category id {category_id!r} must look like 'C12' or 'C12S1'")
    if parent is not None and not category_id.startswith(parent + "S"):
        raise TaxonomyError(f"subcategory {category_id!r} must start with {parent + 'S'!r}")
    return Category(
        id=category_id,
        name=name,
        description=str(raw.get("description", "")),
        synonyms=tuple(str(s) for s in raw.get("synonyms", ())),
        parent=parent,
    )


def _category_to_dict(cat: Category) -> dict[str, Any]:
    return {"id": cat.id, "name": cat.name, "description": cat.description, "synonyms": list(cat.synonyms)}


@lru_cache(maxsize=1)
def default_taxonomy() -> Taxonomy:
    """The ProGuard taxonomy: 11 categories, 28 subcategories (packaged data file)."""
    text = resources.files("proguard_core").joinpath("data/taxonomy.json").read_text(encoding="utf-8")
    return Taxonomy.from_dict(json.loads(text))


__all__ = ["CATEGORY_ID_PATTERN", "Category", "Taxonomy", "default_taxonomy", "normalize_category_id"]
