import json

import pytest

from proguard_core import Taxonomy, TaxonomyError, default_taxonomy
from proguard_core.taxonomy import normalize_category_id


def test_default_taxonomy_has_the_paper_shape():
    tax = default_taxonomy()
    assert len(tax.categories) == 11
    assert sum(len(tax.children(c.id)) for c in tax.categories) == 28
    assert tax.get("C8S1").name == "Weapons"
    assert tax.get("C2").name == "Misinformation & Private Information"
    assert tax.top_level("C10S3").id == "C10"


def test_every_entry_has_a_description_and_five_synonyms():
    for cat in default_taxonomy():
        assert cat.description, cat.id
        assert len(set(cat.synonyms)) >= 5, cat.id


@pytest.mark.parametrize(
    ("raw", "expected"), [("c8s1", "C8S1"), (" C8 S1 ", "C8S1"), ("C10", "C10"), ("C08", "C8")]
)
def test_ids_are_normalised(raw, expected):
    assert normalize_category_id(raw) == expected
    assert default_taxonomy().get(raw).id == expected


@pytest.mark.parametrize("raw", ["weapons", "C", "S1", "C8X", "8S1", ""])
def test_non_ids_are_not_ids(raw):
    assert normalize_category_id(raw) is None


def test_unknown_id_is_a_typed_error_naming_the_id():
    with pytest.raises(TaxonomyError, match="C99"):
        default_taxonomy().get("C99")
    with pytest.raises(KeyError):  # TaxonomyError is also a KeyError for dict-like callers
        default_taxonomy().get("C99")


def test_subset_keeps_whole_categories_and_named_subcategories():
    sub = default_taxonomy().subset(["C8", "C9S1"])
    assert [c.id for c in sub.categories] == ["C8", "C9"]
    assert [c.id for c in sub.children("C8")] == ["C8S1", "C8S2", "C8S3"]
    assert [c.id for c in sub.children("C9")] == ["C9S1"]
    assert "C9S2" not in sub
    with pytest.raises(TaxonomyError):
        default_taxonomy().subset([])
    with pytest.raises(TaxonomyError):
        default_taxonomy().subset(["C42"])


def test_add_and_remove_custom_categories_without_mutating_the_original():
    base = default_taxonomy()
    extended = base.add("C12", "Election Integrity", "Interfering with voting.", ["voter suppression"] * 1)
    extended = extended.add("C12S1", "Voter Suppression", "Keeping people from voting.", parent="C12")
    assert "C12S1" in extended and "C12" not in base
    assert extended.top_level("C12S1").id == "C12"
    smaller = extended.remove("C8")
    assert "C8S2" not in smaller and "C8" in extended
    with pytest.raises(TaxonomyError, match="already exists"):
        extended.add("C12", "Again")
    with pytest.raises(TaxonomyError, match="must look like"):
        base.add("X1", "Bad id")
    with pytest.raises(TaxonomyError, match="must start with"):
        extended.add("C13S1", "Wrong parent", parent="C12")


def test_round_trips_through_dict_and_file(tmp_path):
    tax = default_taxonomy().add("C12", "Custom", "desc", ["a", "b"])
    path = tmp_path / "tax.json"
    path.write_text(json.dumps(tax.to_dict()))
    assert Taxonomy.from_file(path) == tax


def test_malformed_data_is_rejected():
    with pytest.raises(TaxonomyError):
        Taxonomy.from_dict({"nope": []})
    with pytest.raises(TaxonomyError, match="duplicate"):
        Taxonomy.from_dict({"categories": [{"id": "C1", "name": "a"}, {"id": "C1", "name": "b"}]})
    with pytest.raises(TaxonomyError, match="missing"):
        Taxonomy.from_dict({"categories": [{"id": "C1"}]})
