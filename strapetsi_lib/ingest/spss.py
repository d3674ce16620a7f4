"""Read an SPSS ``.sav`` file as the workbench reads every survey file: a grid of cells.

An SPSS file carries what a CSV export loses: each variable has a *variable label* (the question
text as the survey tool wrote it) and *value labels* (the answer label of each code). The codes
of a ``.sav`` need not follow the scale's order (a tool may code "Täysin samaa mieltä" as 1), so
answers are read by their labels, never by their codes: a coded cell becomes its value label,
and the label is then read like any answer written as text. A code without a label stays the
number. Values SPSS declares missing (user-defined missing values) are empty cells.

Rows are numbered by case number (the first case is row 1), as SPSS's Data View shows them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from strapetsi_lib.ingest.encoding import UnreadableFile

SAV_SUFFIXES = (".sav", ".zsav")


def sav_grid(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The variable names (first row) and the cases, coded cells replaced by their value labels.

    Returns
    -------
    grid : numpy.ndarray of object
        Row 0 holds the variable names, the rows below the cases; ``None`` for a missing value.
    lines : numpy.ndarray of int
        0 for the names row, then each case's number (1 for the first case).

    Raises
    ------
    UnreadableFile
        When the file is not a readable SPSS file.
    """
    import pyreadstat

    try:
        frame, _ = pyreadstat.read_sav(str(path), apply_value_formats=True,
                                       formats_as_category=False)
    except Exception as exc:  # pyreadstat raises its own types for a damaged or wrong file
        raise UnreadableFile(f"cannot read as an SPSS .sav file: {exc}") from exc
    values = frame.astype(object).where(frame.notna(), None).to_numpy(dtype=object)
    grid = np.empty((len(frame) + 1, len(frame.columns)), dtype=object)
    grid[0, :] = list(frame.columns)
    grid[1:, :] = values
    return grid, np.arange(0, len(frame) + 1)


def sav_variable_labels(path: Path) -> dict[str, str]:
    """Each variable's label (the question text), by variable name; only variables with one.

    Raises
    ------
    UnreadableFile
        When the file is not a readable SPSS file.
    """
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:
        raise UnreadableFile(f"cannot read as an SPSS .sav file: {exc}") from exc
    return {name: label for name, label in meta.column_names_to_labels.items()
            if label and label.strip()}
