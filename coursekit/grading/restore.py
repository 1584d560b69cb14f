"""Restoring test cells from the source, quietly when nothing was changed.

nbgrader's ``OverwriteCells`` puts every locked cell (the test cells) back from the source before autograding, and
warns "Attribute 'checksum' for cell ... has changed!" whenever the submitted cell differs from the source. A test
cell with hidden tests always differs: students receive it with the hidden tests removed. So every student's log, an
untouched submission's too, read like tampering. :class:`RestoreCells` compares the submitted cell with the cell *as
it was released* (hidden tests removed, as nbgrader's ``ClearHiddenTests`` removes them): a cell as released is
restored silently; a cell the student edited is restored with a warning that says so in plain words.
"""

from __future__ import annotations

import copy

from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells

__all__ = ["RestoreCells", "released_checksum"]


def released_checksum(cell, source: str) -> str:
    """nbgrader's checksum of ``cell`` with ``source`` as the student received it (hidden tests removed)."""
    released = copy.deepcopy(cell)
    released.source = source
    ClearHiddenTests()._remove_hidden_test_region(released)
    return utils.compute_checksum(released)


class RestoreCells(OverwriteCells):
    """nbgrader's ``OverwriteCells``, warning only about cells the student really changed."""

    def preprocess_cell(self, cell, resources, cell_index):
        self._as_released = None
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
                submitted = utils.compute_checksum(cell)
                self._as_released = submitted == released_checksum(cell, source_cell.source)
            except (MissingEntry, RuntimeError):
                self._as_released = None
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            self.log.debug("cell %s is as released (its hidden tests put back)", name)
        elif attr == "checksum":
            self.log.warning("test cell %s was changed in the submission: it was restored from the source", name)
        else:
            super().report_change(name, attr, old, new)
