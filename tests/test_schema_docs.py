"""docs/data-model.md is generated from centric.schema and must stay in sync."""

from pathlib import Path

from centric.schema import TABLES, schema_markdown


def test_data_model_doc_is_current():
    doc = Path(__file__).parents[1] / "docs" / "data-model.md"
    assert doc.read_text("utf-8") == schema_markdown(), "run: python -m centric.schema > docs/data-model.md"


def test_every_table_has_its_key_columns():
    for spec in TABLES.values():
        assert set(spec.key) <= set(spec.names), spec.name
        assert len(spec.names) == len(set(spec.names)), spec.name
