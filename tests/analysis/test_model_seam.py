"""The seam for a bigger Whisper: any CTranslate2 Whisper directory plus device and compute type,
loaded through the one model pool that whole-file jobs, live answers and captions share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from analysis import AnalysisError, AnalysisOptions, IncrementalAnalysis, analyze_file
from analysis.models import ModelPool, resolve_model_dir
from tests import mediakit

pytestmark = [pytest.mark.model, pytest.mark.media]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cache = tmp_path_factory.mktemp("seam-cache")
    return {"base": resolve_model_dir("base", cache_dir=cache), "tiny.en": resolve_model_dir("tiny.en")}


@pytest.fixture(scope="module")
def hello_wav() -> Path:
    clip = mediakit.speech_wav(
        "Hello, my name is Kim and I would like to talk about my last project at work.", words_per_minute=150
    )
    return Path(clip.path)


def test_a_model_directory_loads_with_the_pools_device_and_compute_type(
    model_dirs: dict[str, str], hello_wav: Path, tmp_path: Path
) -> None:
    pool = ModelPool(tmp_path, model=model_dirs["tiny.en"], device="cpu", compute_type="float32", cpu_threads=1)
    tiny = pool.get()
    assert tiny.model_dir == model_dirs["tiny.en"] and tiny.compute_type == "float32" and tiny.device == "cpu"
    assert tiny.english_only  # known from the loaded model, not from the name "tiny.en"
    assert tiny.whisper.model.compute_type == "float32"
    assert pool.get(model_dirs["tiny.en"]) is tiny  # once per pool
    base = pool.get(model_dirs["base"], compute_type="int8")
    assert not base.english_only and base.whisper.model.compute_type.startswith("int8")  # int8_float32 on CPU
    options = AnalysisOptions(question_text="q", language="en")  # the answer's context; the model is the pool's
    report = analyze_file(hello_wav, options, pool=pool)
    assert report.transcript.model == model_dirs["tiny.en"]
    assert "project" in report.transcript.text.lower()
    # the live path (answers, captions) takes the same model from the same pool
    with IncrementalAnalysis(options, pool=pool, expect_video=False) as live:
        live.feed_audio(mediakit.speech_wav("Hello there.", words_per_minute=150).samples(), 16000)
        live_report = live.finish()
    assert live_report.transcript.model == model_dirs["tiny.en"]
    assert set(pool.loaded()) == {model_dirs["tiny.en"], model_dirs["base"]}
    with pytest.raises(AnalysisError) as info:
        analyze_file(hello_wav, AnalysisOptions(question_text="q", language="ko"), pool=pool)
    assert info.value.code == "invalid_options"  # an English-only directory cannot do Korean


def test_unknown_device_or_compute_type_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError) as info:
        ModelPool(tmp_path, device="tpu")
    assert info.value.code == "invalid_options"
    with pytest.raises(AnalysisError) as info:
        ModelPool(tmp_path, compute_type="int3")
    assert info.value.code == "invalid_options"


def test_server_settings_build_the_one_pool(make_settings: Callable[..., object], model_dirs: dict[str, str]) -> None:
    from server.app import create_app
    from tests.conftest import ApiClient

    settings = make_settings(whisper_model=model_dirs["tiny.en"], whisper_compute_type="float32", whisper_cpu_threads=1)
    app = create_app(settings)  # type: ignore[arg-type]
    with ApiClient(app, base_url="http://testserver"):
        pool = app.state.model_pool
        assert (pool.device, pool.compute_type, pool.cpu_threads) == ("cpu", "float32", 1)
        services = app.state.live_services
        assert services.model_pool is pool  # live answers, captions and rooms use this one
        assert pool.model == model_dirs["tiny.en"] and pool.get().model_dir == model_dirs["tiny.en"]


def test_untact_analyze_uses_the_environment_model(model_dirs: dict[str, str], hello_wav: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "UNTACT_WHISPER_MODEL": model_dirs["tiny.en"],
        "UNTACT_WHISPER_COMPUTE_TYPE": "int8",
        "UNTACT_MODEL_CACHE_DIR": str(tmp_path),
        "UNTACT_DATA_DIR": str(tmp_path / "data"),
    }
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "analyze", str(hello_wav), "--question", "q", "--lang", "en", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["transcript"]["model"] == model_dirs["tiny.en"]
    bad = subprocess.run(
        [sys.executable, "-m", "server.cli", "analyze", str(hello_wav), "--question", "q", "--device", "tpu"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
