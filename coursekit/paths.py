"""Where things live, and how they are named: the course's folders (nbgrader's layout inside ``autograder/``) and
its naming rules, in one place.

- an assignment ``NN_topic`` is ``solutions/NN_topic/NN_topic.ipynb`` (instructor source) and
  ``notebooks/NN_topic/NN_topic.ipynb`` (student version);
- its exercises are registered in ``coursekit.grading.chNN_topic`` (:func:`chapter_module`);
- the test cell of an exercise whose function is ``f`` is the grade cell ``test_f`` (:func:`test_cell`);
- ``autograder/`` is nbgrader's course root: ``source/``, ``release/``, ``submitted/<student>/<assignment>/``,
  ``autograded/``, ``feedback/``, ``exchange/``, the gradebook, and the course's own ``grades/<assignment>/`` and
  grading seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Course", "test_cell", "chapter_module", "CHAPTER_MODULE"]

#: The name of a module of ``coursekit.grading`` that registers a chapter's exercises.
CHAPTER_MODULE = re.compile(r"ch\d\d_\w+")


def test_cell(function: str) -> str:
    """The grade id of the test cell of the exercise whose function is ``function``."""
    return f"test_{function}"


def chapter_module(assignment: str) -> str:
    """``06_metrics`` -> ``coursekit.grading.ch06_metrics``, where the chapter registers its exercises."""
    return f"coursekit.grading.ch{assignment}"


@dataclass(frozen=True)
class Course:
    """The folders of the course whose repository is ``root``."""

    root: Path

    @property
    def autograder(self) -> Path:
        """nbgrader's course root (with ``nbgrader_config.py``)."""
        return Path(self.root) / "autograder"

    def solution(self, assignment: str) -> Path:
        return Path(self.root) / "solutions" / assignment / f"{assignment}.ipynb"

    def source(self, assignment: str) -> Path:
        """The instructor's notebook as nbgrader keeps it (``autograder/source``)."""
        return self.autograder / "source" / assignment / f"{assignment}.ipynb"

    def submitted(self, student: str | None = None, assignment: str | None = None) -> Path:
        path = self.autograder / "submitted"
        return path / student / assignment if student and assignment else path / student if student else path

    def autograded(self, student: str, assignment: str) -> Path:
        """The executed, graded notebook."""
        return self.autograder / "autograded" / student / assignment / f"{assignment}.ipynb"

    @property
    def feedback(self) -> Path:
        return self.autograder / "feedback"

    @property
    def exchange(self) -> Path:
        return self.autograder / "exchange"

    def grades(self, assignment: str) -> Path:
        """Where ``grades.csv``, the logs and the kept results of an assignment go."""
        return self.autograder / "grades" / assignment

    @property
    def seed_file(self) -> Path:
        """The grading seed drawn once for the course (kept private, never committed)."""
        return self.autograder / ".grading_seed"

    def nbgrader_config(self):
        """The course's nbgrader configuration (``autograder/nbgrader_config.py``), loaded."""
        from traitlets.config.loader import PyFileConfigLoader

        return PyFileConfigLoader("nbgrader_config.py", path=str(self.autograder)).load_config()
