"""Collecting submissions from an LMS download (a zip or a folder) or a folder in nbgrader's layout: nothing outside
autograder/submitted/<student>/ is written, no link is followed, no mode of the archive is kept, and a bad entry is
refused with a reason while the others are collected."""

import os
import stat
import zipfile
from pathlib import Path

import pytest

from coursekit.grading.collect import MAX_NOTEBOOK_MB, collect_submissions, student_id

A = "06_metrics"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def course(tmp_path) -> Path:
    root = tmp_path / "course"
    (root / "autograder").mkdir(parents=True)
    (root / "autograder" / "gradebook.db").write_bytes(b"precious")
    return root


def tree(path: Path) -> set:
    return {p.relative_to(path).as_posix() for p in path.rglob("*")}


def add(archive, name, data=NOTEBOOK, mode=0o644, date=(2026, 11, 30, 12, 0, 0), kind=stat.S_IFREG):
    info = zipfile.ZipInfo(name, date_time=date)
    info.external_attr = (kind | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def lms_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        add(z, f"alice_1234_attempt_2026-11-30-10-00-00_{A}.ipynb", b'{"old": 1}', date=(2026, 11, 30, 10, 0, 0))
        add(z, f"alice_1234_attempt_2026-11-30-12-00-00_{A}.ipynb", NOTEBOOK, date=(2026, 11, 30, 12, 0, 0))
        add(z, f"Jürgen Müller_98765_assignsubmission_file_{A}.ipynb")
        add(z, f"bob_1_my work (final) ünïcode_{A}.ipynb")
        add(z, f"carol_7_{A}.ipynb", mode=0o4777)
        add(z, f"../../evil_1_{A}.ipynb")
        add(z, f"/etc/absolute_1_{A}.ipynb")
        add(z, f".._1_{A}.ipynb")
        add(z, f"mallory_1_{A}.ipynb", b"/etc/shadow", mode=0o777, kind=stat.S_IFLNK)
        add(z, f"dave_1_{A}.ipynb", bytes((MAX_NOTEBOOK_MB + 1) * 2**20))
        add(z, "readme.txt", b"hello")
    return path


def test_an_lms_zip_is_collected_safely(tmp_path):
    root = course(tmp_path)
    outside_before = tree(tmp_path)
    got = collect_submissions(root, A, lms_zip(tmp_path / "lms.zip"), log=lambda *a: None)
    assert got.students == sorted(["Jürgen-Müller", "alice", "bob", "carol"])
    submitted = root / "autograder" / "submitted"
    for student in got.students:
        notebook = submitted / student / A / f"{A}.ipynb"
        assert notebook.read_bytes() == NOTEBOOK
        assert stat.S_IMODE(notebook.stat().st_mode) == 0o644
    assert "graded the newest" in got.notes["alice"][0] and "10-00-00" in got.notes["alice"][0]
    reasons = "\n".join(got.refused)
    for name, why in (("evil", "leaves the archive"), ("absolute", "leaves the archive"), (".._1", "student id"),
                      ("mallory", "a link"), ("dave", f"larger than {MAX_NOTEBOOK_MB} MiB"),
                      ("readme.txt", "not named")):
        assert any(name in line and why in line for line in got.refused), (name, reasons)
    # nothing was written anywhere else
    new = tree(tmp_path) - outside_before
    assert all(p.startswith("course/autograder/submitted") or p == "lms.zip" for p in new), sorted(new)
    assert (root / "autograder" / "gradebook.db").read_bytes() == b"precious"


def test_a_folder_of_lms_files_refuses_links(tmp_path):
    root = course(tmp_path)
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / f"erin_1_{A}.ipynb").write_bytes(NOTEBOOK)
    (folder / f"frank_1_{A}.ipynb").symlink_to(root / "autograder" / "gradebook.db")
    got = collect_submissions(root, A, folder, log=lambda *a: None)
    assert got.students == ["erin"]
    assert any("frank" in line and "link" in line for line in got.refused)
    assert not (root / "autograder" / "submitted" / "frank").exists()


def test_an_nbgrader_layout_is_copied_without_links(tmp_path):
    root = course(tmp_path)
    source = tmp_path / "collected"
    (source / "gina" / A).mkdir(parents=True)
    (source / "gina" / A / f"{A}.ipynb").write_bytes(NOTEBOOK)
    (source / "gina" / A / "data.db").symlink_to(root / "autograder" / "gradebook.db")
    (source / "hank" / A).mkdir(parents=True)
    (source / "hank" / A / f"{A}.ipynb").symlink_to(root / "autograder" / "gradebook.db")
    (source / "ivan").symlink_to(source / "gina")
    got = collect_submissions(root, A, source, log=lambda *a: None)
    submitted = root / "autograder" / "submitted"
    assert sorted(got.students) == ["gina", "hank"]
    assert sorted(p.name for p in (submitted / "gina" / A).iterdir()) == [f"{A}.ipynb"]
    assert "data.db" in got.notes["gina"][0]
    assert not (submitted / "hank" / A / f"{A}.ipynb").exists() and "link" in got.notes["hank"][0]
    assert any("ivan" in line for line in got.refused)
    assert not any(p.is_symlink() for p in submitted.rglob("*"))


def test_an_earlier_submission_that_is_a_link_is_removed_not_followed(tmp_path):
    root = course(tmp_path)
    submitted = root / "autograder" / "submitted"
    submitted.mkdir(parents=True)
    victim = tmp_path / "victim"
    (victim / A).mkdir(parents=True)
    (victim / A / "keep.txt").write_text("keep")
    (submitted / "alice").symlink_to(victim)
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / f"alice_1_{A}.ipynb").write_bytes(NOTEBOOK)
    collect_submissions(root, A, folder, log=lambda *a: None)
    assert (victim / A / "keep.txt").read_text() == "keep"
    assert not (submitted / "alice").is_symlink() and (submitted / "alice" / A / f"{A}.ipynb").is_file()


@pytest.mark.parametrize("text, expected", [("alice", "alice"), ("Jürgen Müller", "Jürgen-Müller"),
                                            ("a.b-c", "a.b-c"), ("..", None), (".hidden", None), ("a/b", None),
                                            ("", None), ("a..b", None), ("-x", None), ("x_y", None)])
def test_student_ids(text, expected):
    assert student_id(text) == expected
