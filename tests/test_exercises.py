"""Every registered exercise of every chapter: the worked solution passes its visible cases and its hidden cases for
several seeds, the released stub fails with "not implemented yet", and the hidden cases depend on the grading seed
only. The solution cells run after the notebook's setup cell, as in the clean room; a new chapter is covered by
registering its exercises."""

import functools

import numpy as np
import pytest

from coursekit.course import assignments
from coursekit.grading import CheckFailed, check, exercises
from coursekit.grading.check import case_rng

from conftest import REPO, load_functions

SEEDS = [0, 1, 7, 12345, 2**40 + 3]
EXERCISES = [ex for name in assignments(REPO) for ex in exercises(name)]


@functools.cache
def functions(folder: str, chapter: str) -> dict:
    return load_functions(REPO / folder / chapter / f"{chapter}.ipynb", setup=True)


def test_every_chapter_has_exercises():
    assert {ex.notebook for ex in EXERCISES} == set(assignments(REPO))


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_solution_passes_visible_and_hidden(exercise, capsys):
    solution = functions("solutions", exercise.notebook)[exercise.function]
    check(exercise.id, solution)
    for seed in SEEDS:
        check(exercise.id, solution, hidden=True, seed=seed)
    assert capsys.readouterr().out.count("agree with the reference") == 1 + len(SEEDS)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_released_stub_fails_with_not_implemented(exercise):
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(exercise.id, functions("notebooks", exercise.notebook)[exercise.function])


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_hidden_cases_depend_on_the_seed_only(exercise):
    def flat(seed):
        return [repr(c.kwargs) + repr([np.asarray(a).tolist() for a in c.args])
                for c in exercise.cases(case_rng(exercise.id, seed), True)]

    assert flat(11) == flat(11)
    assert flat(11) != flat(12)
