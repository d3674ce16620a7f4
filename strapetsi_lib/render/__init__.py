"""Stage 5, render: a report notebook and its parameters → an executed notebook and HTML.

In: a notebook path, Papermill parameters, an output folder. Out: the executed ``.ipynb`` and a
self-contained HTML report checked against the report rules, written atomically (a broken report
never replaces a good one), or a :class:`~strapetsi_lib.errors.ReportError` naming the cell.
"""
