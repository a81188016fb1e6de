"""Versioned search indexes on disk: build, verify, publish atomically, roll back.

Layout under ``CHATBOT_INDEX_DIR``::

    versions/<version>/manifest.json   what was built from what, and a hash of every file
    versions/<version>/knowledge.json  the knowledge snapshot the version serves
    versions/<version>/engine/         the search engine's files (lexical, FAISS, model)
    current -> versions/<version>      symlink, switched with one atomic rename
    pinned                             after a rollback: the version held and the knowledge hash then

A build happens in a hidden temporary directory and only becomes a version once every
file is written and fsynced, so a failed or interrupted build never touches what serves.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatbot.core import messages
from chatbot.core.settings import Settings
from chatbot.knowledge import FAQ, KnowledgeBase, Problem, load_knowledge, snapshot
from chatbot.search.engine import Document, SearchEngine
from chatbot.search.foreign import ForeignIndex, own_analyzer
from chatbot.search.topics import TopicIndex
from chatbot.text import analyzer

FORMAT = 4  # 3: translations keyed by language code in knowledge.json; 4: organisations elsewhere
MANIFEST = "manifest.json"
PIN = "pinned"


class IndexFailure(Exception):
    """A build, load or publish that could not be done; the serving index is unchanged."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ServingIndex:
    """One loaded index version: everything a request needs, immutable once loaded."""

    version: str
    directory: Path
    manifest: dict[str, Any]
    kb: KnowledgeBase
    engine: SearchEngine
    topics: TopicIndex
    faqs: dict[str, FAQ] = field(default_factory=dict)
    foreign: ForeignIndex = field(default_factory=lambda: ForeignIndex(()))

    @property
    def built_at(self) -> str:
        return self.manifest["built_at"]


@dataclass(frozen=True)
class BuildSpec:
    """What a version is built from, and where versions live."""

    knowledge_dir: Path
    index_dir: Path
    embedding_model: str = ""  # a local sentence-transformers directory; empty = the built-in model
    faiss_index: str = "Flat"

    @classmethod
    def from_settings(cls, settings: Settings) -> BuildSpec:
        return cls(settings.knowledge_dir, settings.index_dir, settings.embedding_model, settings.faiss_index)

    @property
    def model_spec(self) -> str:
        return self.embedding_model or "builtin:chive-static"


@dataclass(frozen=True)
class BuildResult:
    version: str
    directory: Path
    built: bool  # False when the knowledge was unchanged and nothing was rebuilt
    problems: list[Problem]
    pinned: bool = False  # nothing rebuilt because a rollback holds the current version (see `Pin`)


def documents(kb: KnowledgeBase) -> list[Document]:
    """Published FAQs as engine documents; translations the Japanese analyzer reads (English, やさしい日本語) ride
    along so questions in those languages match; the others have an index of their own (chatbot.search.foreign)."""
    docs = []
    for faq in kb.published:
        texts = [text for code, text in faq.translations.items() if not own_analyzer(code)]
        alts = faq.alt_questions + tuple(q for t in texts for q in (t.question, *t.alt_questions))
        answer = "\n\n".join((faq.answer, *(t.answer for t in texts)))
        docs.append(Document(id=faq.id, question=faq.question, answer=answer, alt_questions=alts, tags=faq.tags))
    return docs


# ---------------------------------------------------------------- paths

def versions_dir(index_dir: Path) -> Path:
    return index_dir / "versions"


def current_version(index_dir: Path) -> str | None:
    """Name of the published version, or ``None`` before the first publish."""
    try:
        return Path(os.readlink(index_dir / "current")).name
    except OSError:
        return None


def list_versions(index_dir: Path) -> list[str]:
    """Complete versions, oldest first (names sort by build time)."""
    root = versions_dir(index_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".") and (p / MANIFEST).is_file())


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory (a nightly job and a manual run may overlap)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexFailure("another index build is running / 別の索引作成が実行中です") from None
        yield


# ---------------------------------------------------------------- build

def build(spec: BuildSpec, force: bool = False) -> BuildResult:
    """Build a new, unpublished version from ``spec.knowledge_dir``.

    Returns the current version untouched when the knowledge and model are unchanged, or when a
    rollback's pin holds it (the knowledge is as it was at the rollback). Unless ``force``, a version
    already built from the same knowledge and model (the console's change preview, or a version rolled
    away from) is returned as the one to publish instead of being built again: what staff previewed is
    what goes live.
    """
    kb, problems = load_knowledge(spec.knowledge_dir)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise IndexFailure(f"knowledge has {len(errors)} error(s) / 知識ファイルにエラーが {len(errors)} 件あります",
                         problems)
    index_dir = spec.index_dir
    current = current_version(index_dir)
    if current and not force:
        manifest = read_manifest(versions_dir(index_dir) / current)
        if manifest.get("format") == FORMAT and holds(read_pin(index_dir), current, kb.content_hash):
            return BuildResult(current, versions_dir(index_dir) / current, False, problems, pinned=True)
        if (manifest.get("format") == FORMAT and manifest.get("knowledge_hash") == kb.content_hash
                and manifest.get("model_spec") == spec.model_spec):
            return BuildResult(current, versions_dir(index_dir) / current, False, problems)
    if not force and (ready := _built_before(index_dir, kb.content_hash, spec.model_spec)) is not None:
        return BuildResult(ready, versions_dir(index_dir) / ready, True, problems)
    root = versions_dir(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    # Sortable by build time; short digit runs so log redaction never mistakes it for a number.
    version = f"{now:%Y%m%dT%H%M%S}.{now:%f}Z-{kb.content_hash[:8]}"
    with _new_version(root, version) as tmp:
        tmp.mkdir()
        engine = SearchEngine.build(documents(kb), analyzer(kb.synonyms), tmp / "work",
                                    model=spec.embedding_model, faiss_factory=spec.faiss_index)
        engine.save(tmp / "engine")
        shutil.rmtree(tmp / "work", ignore_errors=True)
        _write_json(tmp / "knowledge.json", snapshot.dump(kb))
        manifest = {
            "format": FORMAT,
            "version": version,
            "built_at": now.isoformat(timespec="seconds"),
            "knowledge_hash": kb.content_hash,
            "model_spec": spec.model_spec,
            "model": {"name": engine.model_name, "hash": engine.model_hash},
            "faiss_index": spec.faiss_index,
            "counts": {"faqs": len(kb.faqs), "published": len(kb.published), "departments": len(kb.departments),
                       "synonyms": len(kb.synonyms), "closures": len(kb.closures)},
            "files": _file_hashes(tmp),
        }
        _write_json(tmp / MANIFEST, manifest)
    return BuildResult(version, root / version, True, problems)


def _built_before(index_dir: Path, knowledge_hash: str, model_spec: str) -> str | None:
    """The newest version other than the current one built from this knowledge and model, intact."""
    current = current_version(index_dir)
    for version in reversed(list_versions(index_dir)):
        directory = versions_dir(index_dir) / version
        try:
            manifest = read_manifest(directory)
            if (version != current and manifest.get("format") == FORMAT
                    and manifest.get("knowledge_hash") == knowledge_hash and manifest.get("model_spec") == model_spec):
                _verify_files(directory, manifest)
                return version
        except IndexFailure:
            continue  # damaged: build afresh rather than publish it
    return None


# ---------------------------------------------------------------- load

def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFailure(f"{directory.name}: unreadable manifest ({exc})") from exc


def load_version(directory: Path) -> ServingIndex:
    """Load and verify one version; refuses files whose bytes differ from the manifest."""
    manifest = read_manifest(directory)
    if manifest.get("format") != FORMAT:
        raise IndexFailure(f"{directory.name}: index format {manifest.get('format')} is not {FORMAT}")
    _verify_files(directory, manifest)
    try:
        kb = snapshot.load(json.loads((directory / "knowledge.json").read_text(encoding="utf-8")))
        engine = SearchEngine.load(directory / "engine", analyzer(kb.synonyms))
        topics = TopicIndex.build(kb, engine.analyzer)
        published = {f.id: f for f in kb.published}
        probe = next(iter(published.values()))
        engine.search(probe.question, k=1)
        foreign = ForeignIndex(kb.published, tuple(kb.departments.values()), tuple(kb.elsewhere.values()))
    except IndexFailure:
        raise
    except Exception as exc:  # any damage inside a version must be refused, not crash a worker
        raise IndexFailure(f"{directory.name}: cannot load ({type(exc).__name__}: {exc})") from exc
    return ServingIndex(manifest["version"], directory, manifest, kb, engine, topics, published, foreign)


def _verify_files(directory: Path, manifest: dict[str, Any]) -> None:
    """Refuse a version whose files are not, byte for byte, the ones it was built with."""
    expected = manifest.get("files", {})
    actual = _file_hashes(directory, exclude={MANIFEST})
    damaged = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    if damaged:
        raise IndexFailure(f"{directory.name}: files changed or missing since build: {', '.join(damaged[:5])}")


def load_current(index_dir: Path) -> ServingIndex:
    version = current_version(index_dir)
    if version is None:
        raise IndexFailure(f"no published index in {index_dir}; run `chatbot build-index` / "
                         "索引がありません。chatbot build-index を実行してください")
    return load_version(versions_dir(index_dir) / version)


# ---------------------------------------------------------------- publish

def publish(index_dir: Path, version: str) -> None:
    """Point ``current`` at ``version`` with one atomic rename of a symlink."""
    target = versions_dir(index_dir) / version
    if not (target / MANIFEST).is_file():
        raise IndexFailure(f"version {version} does not exist")
    link = index_dir / f".current-{uuid.uuid4().hex}"
    os.symlink(Path("versions") / version, link)
    os.replace(link, index_dir / "current")
    _fsync_dir(index_dir)


def replicate(index_dir: Path, target: Path, keep: int) -> bool:
    """Make ``target``, another server's index directory, serve the version ``index_dir`` serves; True when
    ``target`` changed.

    For servers without shared storage (``target`` is mounted from them, or synced to them). The version is
    copied under a temporary name, checked against its manifest and renamed before ``current`` switches, so
    the server watching ``target`` never sees half a version, and a failed copy changes nothing there.
    ``target`` keeps ``keep`` versions for a rollback of its own.
    """
    version = current_version(index_dir)
    if version is None:
        raise IndexFailure(f"no published index in {index_dir} to copy")
    if current_version(target) == version:
        return False
    with build_lock(target):
        root = versions_dir(target)
        root.mkdir(parents=True, exist_ok=True)
        if version not in list_versions(target):
            with _new_version(root, version) as tmp:
                shutil.copytree(versions_dir(index_dir) / version, tmp)
                _verify_files(tmp, read_manifest(tmp))
        publish(target, version)
        prune(target, keep)
    return True


def rollback(index_dir: Path, knowledge_hash: str, version: str | None = None) -> str:
    """Re-publish ``version`` (default: the one built before the current one) and pin it.

    Without the pin the next nightly run would see knowledge newer than the rolled-back version and
    quietly publish again what staff just rolled away from; the pin holds the version until the
    knowledge (``knowledge_hash`` = the files as they are now) changes or `release` is called.
    """
    current = current_version(index_dir)
    if version is None:
        older = [v for v in list_versions(index_dir) if current is None or v < current]
        if not older:
            raise IndexFailure(messages.staff("rollback_no_earlier"))
        version = older[-1]
    elif version not in list_versions(index_dir):
        raise IndexFailure(messages.staff("rollback_unknown_version", version=version))
    if read_manifest(versions_dir(index_dir) / version).get("format") != FORMAT:
        raise IndexFailure(messages.staff("rollback_old_format", version=version))
    publish(index_dir, version)
    pin(index_dir, Pin(version, knowledge_hash, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
    return version


# ---------------------------------------------------------------- pin (a rollback that holds)

@dataclass(frozen=True)
class Pin:
    """A version staff rolled back to, and the knowledge hash at that moment."""

    version: str
    knowledge_hash: str
    pinned_at: str


def read_pin(index_dir: Path) -> Pin | None:
    """The pin, or None when there is none (or it is unreadable: a pin never blocks a publish)."""
    try:
        data = json.loads((index_dir / PIN).read_text(encoding="utf-8"))
        return Pin(str(data["version"]), str(data["knowledge_hash"]), str(data.get("pinned_at", "")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def pin(index_dir: Path, held: Pin) -> None:
    """Write the pin atomically, so a nightly run never reads half of one."""
    tmp = index_dir / f".{PIN}-{uuid.uuid4().hex}"
    _write_json(tmp, {"version": held.version, "knowledge_hash": held.knowledge_hash, "pinned_at": held.pinned_at})
    os.replace(tmp, index_dir / PIN)
    _fsync_dir(index_dir)


def release(index_dir: Path) -> Pin | None:
    """Remove the pin; returns the pin that was there, if any."""
    held = read_pin(index_dir)
    (index_dir / PIN).unlink(missing_ok=True)
    return held


def holds(held: Pin | None, current: str | None, knowledge_hash: str) -> bool:
    """A pin holds while its version is the one served and the knowledge is as it was when pinned."""
    return held is not None and held.version == current and held.knowledge_hash == knowledge_hash



def prune(index_dir: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions; never the current one. Also clears dead temp dirs."""
    current = current_version(index_dir)
    versions = list_versions(index_dir)
    doomed = [v for v in versions[: max(0, len(versions) - keep)] if v != current]
    for name in doomed:
        shutil.rmtree(versions_dir(index_dir) / name, ignore_errors=True)
    return doomed


# ---------------------------------------------------------------- files

def _file_hashes(directory: Path, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    hashes = {}
    for path in sorted(directory.rglob("*")):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name not in exclude:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(chunk)
            hashes[name] = digest.hexdigest()
    return hashes


@contextmanager
def _new_version(root: Path, version: str) -> Iterator[Path]:
    """A temporary directory that becomes ``root/version`` whole (synced, then one rename) when the block
    succeeds, and is deleted when it fails: whoever watches ``root`` never sees half a version."""
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        yield tmp
        _fsync_tree(tmp)
        os.rename(tmp, root / version)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    for path in [directory, *[p for p in directory.rglob("*") if p.is_dir()]]:
        _fsync_dir(path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
