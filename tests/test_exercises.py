"""Every registered exercise of every chapter: the worked solution passes its visible cases and its hidden cases for
several seeds, the released stub fails with "not implemented yet", and the hidden cases depend on the grading seed
only; the visible cases and every hidden set hold the same kinds of case (the traps), and the reference raises on
exactly the cases whose kind says so. The solution cells run after the notebook's setup cell, as in the clean room; a
new chapter is covered by registering its exercises."""

import functools

import numpy as np
import pytest

from coursekit.course import assignments
from coursekit.grading import CheckFailed, check, exercises
from coursekit.grading.check import case_rng

from conftest import REPO, SEEDS, load_functions

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


# ---------------------------------------------------------------------------------------------------------------
# the kinds of case: every trap a statement or hint names is in the visible cases and in every hidden set

KIND_SEEDS = SEEDS + list(range(2, 22))


def _kinds(cases) -> set:
    return {c.kind for c in cases}


def _declares_kinds(exercise) -> bool:
    """Whether the exercise tags its cases with kinds (a chapter that does not yet is reported as skipped)."""
    return any(c.kind for c in exercise.cases(None, False)) or any(
        c.kind for c in exercise.cases(case_rng(exercise.id, SEEDS[0]), True))


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_visible_and_hidden_cases_hold_the_same_kinds(exercise):
    if not _declares_kinds(exercise):
        pytest.skip(f"{exercise.id}: its cases declare no kind (Case(..., kind=...)) yet")
    public = exercise.cases(None, False)
    assert all(c.kind for c in public), [c.label for c in public if not c.kind]
    visible = _kinds(public)
    for seed in KIND_SEEDS:
        hidden_cases = exercise.cases(case_rng(exercise.id, seed), True)
        assert all(c.kind for c in hidden_cases), (seed, [c.label for c in hidden_cases if not c.kind])
        hidden = _kinds(hidden_cases)
        assert hidden == visible, (f"seed {seed}: hidden only {sorted(hidden - visible)}, "
                                   f"visible only {sorted(visible - hidden)}")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_the_reference_raises_exactly_on_the_raises_kinds(exercise):
    if not _declares_kinds(exercise):
        pytest.skip(f"{exercise.id}: its cases declare no kind (Case(..., kind=...)) yet")
    reference = exercise.reference_function()
    for seed in (None, SEEDS[0], SEEDS[-1]):
        cases = exercise.cases(None, False) if seed is None else exercise.cases(case_rng(exercise.id, seed), True)
        for case in cases:
            where = (seed, case.kind, case.label)
            try:
                exercise.call(reference, case.args, case.kwargs)
            except Exception as exc:
                assert case.kind.startswith("raises"), f"{where}: the reference raised {exc!r}"
            else:
                assert not case.kind.startswith("raises"), f"{where}: the reference returned"
