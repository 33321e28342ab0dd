"""The knowledge files a generation is built from: collected at ingest, written out where a reader needs them.

Every worker answers from the generation's own copy of knowledge/ (articles, programmes, stations,
FAQ, lexicon), so a worker needs nothing but the knowledge service, and an FAQ edit reaches every
worker the same way a new document does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
SUFFIXES = (".md", ".yaml", ".yml", ".txt", ".json")


def collect(knowledge_dir: Path) -> dict[str, str]:
    """Every text file under knowledge/ (hidden files and other kinds left out), by relative path."""
    files: dict[str, str] = {}
    for path in sorted(knowledge_dir.rglob("*")):
        rel = path.relative_to(knowledge_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in SUFFIXES:
            log.info("not part of the index's knowledge copy: %s", rel)
            continue
        files[rel.as_posix()] = path.read_text(encoding="utf-8")
    return files


def fingerprint(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for rel, text in sorted(files.items()):
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:16]


def materialize(files: dict[str, str], cache_dir: Path, generation: str) -> Path:
    """The files written under cache_dir/<generation>/ (once; atomically by rename). Older copies are
    removed, except the newest few. When cache_dir cannot be written, a temporary directory is used."""
    target = cache_dir / generation
    if target.is_dir():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{generation}-", dir=cache_dir))
    except OSError:
        target = Path(tempfile.mkdtemp(prefix=f"knowledge-{generation}-"))
        tmp = target
    for rel, text in files.items():
        path = tmp / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ValueError(f"unsafe path in the index's knowledge copy: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if tmp != target:
        try:
            os.rename(tmp, target)
        except OSError:  # another process wrote the same generation first
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(cache_dir, keep=3)
    return target


def _prune(cache_dir: Path, keep: int) -> None:
    copies = sorted((p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime)
    for old in copies[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
