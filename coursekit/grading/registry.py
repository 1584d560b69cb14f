"""The exercise registry: one entry per graded exercise.

An :class:`Exercise` says everything the course needs to grade one function a student writes: the name of the
student's function in the notebook, the reference callable in ``coursekit``, how to draw its test cases (public ones
fixed and small, hidden ones random from the grading seed), how to compare results, the points, and the callables the
student may not delegate to. The notebook's test cells and the grader read the same entries, so nothing is written
twice.

Chapters register their exercises in a module of this package named after the assignment
(``coursekit/grading/ch06_metrics.py`` for ``06_metrics``), with the function :func:`chapter` gives them; every such
``chNN_topic`` module is imported the first time the registry is consulted.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Case", "Exercise", "register", "chapter", "get_exercise", "exercises", "resolve", "chapter_modules"]

_REGISTRY: dict[str, "Exercise"] = {}
_loaded = False


@dataclass(frozen=True)
class Case:
    """One call of an exercise's function: ``fn(*args, **kwargs)``.

    ``label`` describes the case in the student's terms ("class 2 absent from target and prediction"); it is printed
    when the student's result differs from the reference's.

    ``kind`` is a short tag of the trap or situation the case tests ("absent class", "uint8 overflow", "batch",
    "ignore_index", "raises"), shared by the cases that test the same thing. An exercise's public cases and each of
    its hidden sets hold the same kinds: every trap its statement or hint names is shown to the student in a visible
    case and is in every hidden set, and no trap is hidden only (``tests/test_exercises.py`` checks this over the
    registry). A kind that starts with ``"raises"`` marks a case on which the reference raises, so the student's
    function must raise the same exception; on every other case the reference returns.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Exercise:
    """A graded exercise.

    Parameters
    ----------
    id : str
        ``"<chapter>.<name>"``, e.g. ``"metrics.iou_per_class"``; the first argument of ``check``.
    function : str
        Name of the function the student writes in the notebook.
    reference : str
        Dotted path of the reference implementation, e.g. ``"coursekit.metrics.iou_per_class"``.
    public : callable
        ``public() -> list[Case]``: the fixed, small visible cases, each with its label (what it tests).
    hidden : callable
        ``hidden(rng) -> list[Case]``: random cases drawn from ``rng``, a ``numpy.random.Generator`` seeded from the
        grading seed; every hidden set holds the same kinds of case (``Case.kind``, the traps) as the public set,
        whatever the seed.
    compare : callable
        ``compare(expected, given) -> str | None``: None when the results agree, else what differs, in words
        (see :mod:`coursekit.grading.compare`).
    points : float
        Points of the exercise's test cell in the notebook.
    forbidden : tuple of str
        Dotted paths of callables the student's function may not call (the reference is always forbidden).
    hint : str
        Printed under a failure message.
    notebook : str
        The assignment (chapter notebook) the exercise belongs to, e.g. ``"06_metrics"``.
    adapter : str
        For a function that takes or returns torch objects: the name of an adapter of
        :data:`coursekit.grading.adapters.ADAPTERS`, which builds those objects from the case's arrays, calls the
        function and turns its result into numbers (the reference is called the same way). Empty: the function is
        called on the case as it is.
    modules : tuple of str
        The packages the student's function may use (top-level import names), besides Python's standard library:
        ``("numpy",)`` for most classical exercises. When grading, the clean room shows only these packages (and what
        they need to import); everything else (scikit-learn, SciPy, scikit-image, coursekit) is not there to be
        called, whatever route a call takes. ``check`` reports a call into any other package the same way.
    """

    id: str
    function: str
    reference: str
    public: Callable[[], list]
    hidden: Callable[[Any], list]
    compare: Callable[[Any, Any], "str | None"]
    points: float
    notebook: str
    forbidden: tuple = ()
    hint: str = ""
    adapter: str = ""
    modules: tuple = ("numpy",)

    def cases(self, rng, hidden: bool) -> list:
        """The visible cases (``hidden`` false; ``rng`` unused), or the hidden cases drawn from ``rng``."""
        return list(self.hidden(rng) if hidden else self.public())

    @property
    def all_forbidden(self) -> tuple:
        """The reference followed by the declared forbidden callables, without repeats."""
        return tuple(dict.fromkeys((self.reference,) + tuple(self.forbidden)))

    def call(self, fn: Callable, args: tuple, kwargs: dict):
        """``fn`` called on one case's arguments: directly, or through the exercise's adapter."""
        if not self.adapter:
            return fn(*args, **kwargs)
        from .adapters import adapt

        return adapt(self.adapter, fn, args, kwargs)

    def reference_function(self) -> Callable:
        """The reference callable, imported on demand."""
        return resolve(self.reference)


def resolve(dotted: str) -> Any:
    """Import ``"package.module.attr[.attr...]"`` and return the object it names.

    Raises
    ------
    ImportError
        If no prefix of ``dotted`` is an importable module or the attribute chain does not exist.
    """
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                obj = getattr(obj, name)
        except AttributeError as exc:
            raise ImportError(f"cannot resolve {dotted!r}: {exc}") from None
        return obj
    raise ImportError(f"cannot resolve {dotted!r}: no importable module in it")


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to the registry; an id registered twice raises ValueError."""
    if not isinstance(exercise, Exercise):
        raise TypeError(f"register() expects an Exercise, got {type(exercise).__name__}")
    if exercise.id in _REGISTRY and _REGISTRY[exercise.id] is not exercise:
        raise ValueError(f"exercise id {exercise.id!r} is registered twice")
    if exercise.points <= 0:
        raise ValueError(f"exercise {exercise.id!r}: points must be positive, got {exercise.points}")
    if isinstance(exercise.modules, str) or not all(isinstance(m, str) and m.isidentifier()
                                                     for m in exercise.modules):
        raise TypeError(f"exercise {exercise.id!r}: modules must be a tuple of top-level package names, got "
                        f"{exercise.modules!r}")
    if exercise.adapter:
        from .adapters import ADAPTERS

        if exercise.adapter not in ADAPTERS:
            raise ValueError(f"exercise {exercise.id!r}: unknown adapter {exercise.adapter!r}, expected one of "
                             f"{sorted(ADAPTERS)}")
    _REGISTRY[exercise.id] = exercise
    return exercise


def chapter(notebook: str, *, forbidden: tuple = (), modules: tuple = ("numpy",)) -> Callable[..., Exercise]:
    """The registration function of a chapter: ``exercise(id=..., function=..., ...)`` registers an
    :class:`Exercise` of ``notebook`` with the chapter's forbidden callables and allowed packages (an exercise may
    still give its own)."""

    def exercise(**fields) -> Exercise:
        fields.setdefault("forbidden", forbidden)
        fields.setdefault("modules", modules)
        return register(Exercise(notebook=notebook, **fields))

    return exercise


def chapter_modules() -> list[str]:
    """The modules of this package that register a chapter's exercises: ``coursekit.grading.chNN_topic``."""
    import pkgutil

    from ..paths import CHAPTER_MODULE

    from . import __path__ as package_path

    return sorted(f"{__package__}.{m.name}" for m in pkgutil.iter_modules(package_path)
                  if CHAPTER_MODULE.fullmatch(m.name))


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in chapter_modules():
            importlib.import_module(module)
        _loaded = True


def exercises(notebook: str | None = None) -> list[Exercise]:
    """All registered exercises (of one assignment when ``notebook`` is given), in registration order."""
    _load()
    return [ex for ex in _REGISTRY.values() if notebook is None or ex.notebook == notebook]


def get_exercise(exercise_id: str) -> Exercise:
    """The exercise with this id; an unknown id raises KeyError naming the closest known ids."""
    _load()
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(exercise_id, list(_REGISTRY), n=3)
        more = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise with id {exercise_id!r}.{more}") from None
