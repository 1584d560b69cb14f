"""Bringing submissions into ``autograder/submitted/<student>/<assignment>/``, safely.

Two sources are accepted (``coursekit grade ASSIGNMENT --submissions PATH``):

- a folder in nbgrader's layout, ``PATH/<student>/<assignment>/...``;
- a zip file, or a folder, of files downloaded from a learning-management system, named
  ``<student>_<anything>_<assignment>.ipynb`` (the student's id is the part before the first underscore; Moodle's
  ``First Last_...`` names give ``First-Last``).

Whatever the archive or folder holds, nothing is written outside ``autograder/submitted/<student>/``: a student id
is letters, digits, ``.`` and ``-`` and never starts with a dot; only the file's base name is used, never a path
from the archive; links (in a folder or stored in a zip) are refused; files are written with mode 0644 whatever
mode the archive records; sizes are counted while reading, not taken from the archive's word. A bad entry is refused
with a reason and the others are collected. When one student has several files, the newest is graded and the
others are named in that student's notes. (nbgrader's own ``zip_collect`` does none of this: one path-traversal
entry stops it for the whole archive, a student id ``..`` writes into ``autograder/<assignment>/``, and the modes of
the archive are applied to the extracted files.)
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import Course
from .sandbox import copy_regular_files

__all__ = ["Collected", "collect_submissions", "student_id", "MAX_NOTEBOOK_MB"]

MAX_NOTEBOOK_MB = 100  # a submitted notebook larger than this is refused

_ID = re.compile(r"[^\W_](?:[\w.-]*[^\W_])?")


@dataclass
class Collected:
    """The students whose submissions were collected, notes per student, and the entries that were refused."""

    students: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    refused: list = field(default_factory=list)


def student_id(text: str) -> str | None:
    """A safe student id from ``text`` (spaces become ``-``), or None when it cannot be one."""
    candidate = re.sub(r"\s+", "-", text.strip())
    if not candidate or len(candidate) > 100 or ".." in candidate or not _ID.fullmatch(candidate) \
            or "_" in candidate:
        return None
    return candidate


def collect_submissions(root: Path, assignment: str, source: Path, log=print) -> Collected:
    """Copy the submissions of ``assignment`` found at ``source`` into ``autograder/submitted`` (see the module's
    docstring); the students found, with notes and refusals."""
    source = Path(source)
    submitted = Course(root).submitted()
    if not os.path.lexists(source):
        raise FileNotFoundError(f"no submissions at {source}")
    if source.is_dir() and not source.is_symlink() and _nbgrader_layout(source, assignment):
        if source.resolve() == submitted.resolve():
            students = sorted(d.name for d in source.iterdir() if (d / assignment).is_dir())
            return Collected(students)
        return _from_layout(source, submitted, assignment, log)
    if source.is_file() and zipfile.is_zipfile(source):
        entries = _zip_entries(source)
    elif source.is_dir() and not source.is_symlink():
        entries = _folder_entries(source)
    else:
        raise ValueError(f"{source} is neither a folder nor a zip file of submissions")
    return _from_files(entries, submitted, assignment, log)


def _nbgrader_layout(source: Path, assignment: str) -> bool:
    return any(d.is_dir() and (d / assignment).is_dir() for d in source.iterdir())


def _from_layout(source: Path, submitted: Path, assignment: str, log) -> Collected:
    out = Collected()
    for d in sorted(source.iterdir()):
        if not (d / assignment).exists() and not (d / assignment).is_symlink():
            continue
        sid = student_id(d.name) if d.name == re.sub(r"\s+", "-", d.name) else None
        if d.is_symlink() or (d / assignment).is_symlink() or not (d / assignment).is_dir():
            out.refused.append(f"{d.name}/{assignment}: a link, not a folder")
            continue
        if sid is None:
            out.refused.append(f"{d.name}: not a valid student id (letters, digits, '.' and '-')")
            continue
        target = submitted / sid / assignment
        _clear(submitted / sid)
        left_out = copy_regular_files(d / assignment, target, max_mb=MAX_NOTEBOOK_MB)
        if left_out:
            out.notes[sid] = [f"left out {', '.join(left_out[:5])}: links, special and oversized files are not "
                              f"accepted in a submission"]
        out.students.append(sid)
    for line in out.refused:
        log(f"refused: {line}")
    return out


# ---------------------------------------------------------------------------------------------------------------
# files from a learning-management system


@dataclass
class _Entry:
    name: str  # the base name
    where: str  # the path in the archive or folder, for messages
    mtime: tuple
    size: int
    is_link: bool
    read: object  # callable returning a binary file object
    outside: bool = False  # its path in the archive climbs out of it (``..``) or is absolute


def _zip_entries(path: Path) -> list[_Entry]:
    archive = zipfile.ZipFile(path)
    entries = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        mode = (info.external_attr >> 16) & 0o170000
        base = re.split(r"[/\\]", info.filename)[-1]
        parts = re.split(r"[/\\]", info.filename)
        outside = ".." in parts or info.filename.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", info.filename)
        entries.append(_Entry(base, info.filename, tuple(info.date_time), info.file_size,
                              mode == stat.S_IFLNK, lambda info=info: archive.open(info), bool(outside)))
    return entries


def _folder_entries(path: Path) -> list[_Entry]:
    entries = []
    for folder, dirs, files in os.walk(path, followlinks=False):
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            full = os.path.join(folder, name)
            st = os.lstat(full)
            link = stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode)
            entries.append(_Entry(name, os.path.relpath(full, path), (st.st_mtime,), st.st_size, link,
                                  lambda full=full: open(os.open(full, os.O_RDONLY | os.O_NOFOLLOW), "rb")))
    return entries


def _from_files(entries: list[_Entry], submitted: Path, assignment: str, log) -> Collected:
    out = Collected()
    suffix = f"_{assignment}.ipynb"
    chosen: dict[str, list[_Entry]] = {}
    for entry in entries:
        if not entry.name.endswith(suffix) and entry.name != f"{assignment}.ipynb":
            out.refused.append(f"{entry.where}: not named <student>_..._{assignment}.ipynb")
            continue
        sid = student_id(entry.name.split("_", 1)[0]) if "_" in entry.name else None
        if sid is None:
            out.refused.append(f"{entry.where}: no valid student id before the first '_' (letters, digits, '.', '-')")
            continue
        if entry.is_link:
            out.refused.append(f"{entry.where}: a link, not a file")
            continue
        if entry.outside:
            out.refused.append(f"{entry.where}: a path that leaves the archive")
            continue
        if entry.size > MAX_NOTEBOOK_MB * 2**20:
            out.refused.append(f"{entry.where}: larger than {MAX_NOTEBOOK_MB} MiB")
            continue
        chosen.setdefault(sid, []).append(entry)
    for sid, files in sorted(chosen.items()):
        files.sort(key=lambda e: (e.mtime, e.name))
        newest = files[-1]
        target = submitted / sid / assignment
        _clear(submitted / sid)
        target.mkdir(parents=True)
        try:
            _write_capped(newest, target / f"{assignment}.ipynb")
        except (OSError, ValueError, zipfile.BadZipFile, RuntimeError) as exc:
            shutil.rmtree(submitted / sid, ignore_errors=True)
            out.refused.append(f"{newest.where}: {exc}")
            continue
        out.students.append(sid)
        if len(files) > 1:
            out.notes[sid] = [f"{len(files)} files for this student: graded the newest, {newest.name}; not graded: "
                              + ", ".join(e.name for e in files[:-1])]
    for line in out.refused:
        log(f"refused: {line}")
    return out


def _clear(folder: Path) -> None:
    """Remove a student's earlier submission folder (a link there is removed, never followed)."""
    if os.path.islink(folder) or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


def _write_capped(entry: _Entry, target: Path) -> None:
    limit = MAX_NOTEBOOK_MB * 2**20
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with entry.read() as src, open(fd, "wb") as dst:
        while chunk := src.read(2**20):
            written += len(chunk)
            if written > limit:
                raise ValueError(f"larger than {MAX_NOTEBOOK_MB} MiB once uncompressed")
            dst.write(chunk)
    os.chmod(target, 0o644)
