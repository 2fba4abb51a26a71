"""Cache keys: a stage's code version follows exactly the code and data it computes with."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from sitegen.analysis.models import Role
from sitegen.pipeline import fingerprint as fp

PACKAGE = Path(fp.__file__).resolve().parents[1]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package's sources that the test may edit, read by `code_version` instead of the real one."""
    copy = tmp_path / "sitegen"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "bundled"))
    monkeypatch.setattr(fp, "PACKAGE_DIR", copy)
    monkeypatch.setattr(fp, "DATA_DIR", copy / "data")
    fp.code_version.cache_clear()
    yield copy
    fp.code_version.cache_clear()


def version_after(package: Path, rel: str, edit: str, module: str) -> tuple[str, str]:
    before = fp.code_version(module)
    path = package / rel
    path.write_text(path.read_text(encoding="utf-8") + edit, encoding="utf-8")
    fp.code_version.cache_clear()
    return before, fp.code_version(module)


def test_a_rule_change_in_the_stage_or_a_module_it_imports_changes_its_version(package: Path) -> None:
    before, after = version_after(package, "nlp/parse.py", "\n# a changed rule\n", "sitegen.nlp.parse")
    assert before != after
    before, after = version_after(package, "nlp/models.py", "\n# a changed field\n", "sitegen.nlp.parse")
    assert before != after
    before, after = version_after(package, "nlp/engine.py", "\n# imported lazily, still counted\n",
                                  "sitegen.nlp.parse")
    assert before != after


def test_code_the_stage_does_not_import_leaves_its_version(package: Path) -> None:
    before, after = version_after(package, "output/svg.py", "\n# a new colour\n", "sitegen.nlp.parse")
    assert before == after


def test_a_data_file_counts_for_the_stages_that_name_it(package: Path) -> None:
    before, after = version_after(package, "data/titles.tsv", "\n", "sitegen.analysis.resolve.entities")
    assert before != after
    before, after = version_after(package, "data/titles.tsv", "\n", "sitegen.nlp.parse")
    assert before == after


def test_fingerprints_tell_values_apart() -> None:
    assert fp.fingerprint("ab", "c") != fp.fingerprint("a", "bc")
    assert fp.fingerprint({"title": "x"}) != fp.fingerprint(Role(title="x"))
    assert fp.fingerprint([1, 2]) == fp.fingerprint((1, 2))
    assert fp.fingerprint({"b": 1, "a": 2}) == fp.fingerprint({"a": 2, "b": 1})
    assert fp.fingerprint(dt.date(2026, 1, 13)) != fp.fingerprint(dt.date(2026, 1, 14))
    with pytest.raises(TypeError):
        fp.fingerprint(object())


def test_a_third_party_upgrade_changes_the_version_of_the_stages_that_import_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fp.code_version.cache_clear()
    before = [fp.code_version(m) for m in ("sitegen.nlp.parse", "sitegen.analysis.resolve.entities", "sitegen.contract")]
    installed = fp._installed()  # versions as the dist-info folders name them
    monkeypatch.setattr(fp, "_installed", lambda: {**installed, "spacy": "99.0", "pyyaml": "99.0"})
    fp.code_version.cache_clear()
    after = [fp.code_version(m) for m in ("sitegen.nlp.parse", "sitegen.analysis.resolve.entities", "sitegen.contract")]
    fp.code_version.cache_clear()
    assert [b != a for b, a in zip(before, after)] == [True, True, False]  # PyYAML is imported as yaml
