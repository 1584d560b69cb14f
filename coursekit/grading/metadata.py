"""nbgrader's check of the cells' metadata, with its schema checked once.

nbgrader's ``CheckCellMetadata`` validates every cell's nbgrader metadata with ``jsonschema.validate``, which checks
the schema itself against JSON Schema's meta-schema again, for every cell, before it validates the cell. That is most
of the check's time, and a notebook is checked twice each time it is autograded (sanitizing, then autograding), on
the grading hosts and again when the grader records it. :class:`CheckCellMetadata` is nbgrader's preprocessor with
nbgrader's rules and errors, its schema checked once per process (:func:`schema_validator`); a test holds the two
to the same verdicts.
"""

from __future__ import annotations

import functools
import json
import traceback

import jsonschema
from jsonschema.exceptions import best_match
from nbgrader.nbgraderformat import MetadataValidator, SchemaTooNewError, SchemaTooOldError, ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata

__all__ = ["CheckCellMetadata", "CellMetadataValidator", "schema_validator"]


@functools.lru_cache(maxsize=8)
def schema_validator(schema_text: str):
    """A jsonschema validator of the schema in ``schema_text`` (JSON), the schema checked once."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


class _OnceCheckedSchema(BaseMetadataValidator):
    """nbgrader's ``BaseMetadataValidator.validate_cell`` (the schema version, then the schema), with the schema's
    validator from :func:`schema_validator`: what ``jsonschema.validate`` does, less checking the schema again."""

    _compiled = None

    def validate_cell(self, cell) -> None:
        if "nbgrader" not in cell.metadata:
            return
        meta = cell.metadata["nbgrader"]
        version = meta.get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if self._compiled is None:
            self._compiled = schema_validator(json.dumps(self.schema, sort_keys=True))
        error = best_match(self._compiled.iter_errors(meta))
        if error is not None:
            raise error


class CellMetadataValidator(MetadataValidator, _OnceCheckedSchema):
    """nbgrader's metadata validator (its current schema version): its own rules on grade ids, points and cell
    types, then the schema's, checked through ``_OnceCheckedSchema``."""


@functools.lru_cache(maxsize=1)
def _validator() -> CellMetadataValidator:
    return CellMetadataValidator()


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's ``CheckCellMetadata`` with :class:`CellMetadataValidator`: the same notebooks pass, the same
    errors are raised and logged."""

    def preprocess(self, nb, resources):
        try:
            _validator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg)
        return nb, resources
