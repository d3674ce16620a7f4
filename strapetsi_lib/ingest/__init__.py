"""Stage 1, ingest: survey files → a validated :class:`~strapetsi_lib.ingest.dataset.Dataset`.

In: a dataset folder (``dataset.yml``, a providers file, one response file per wave, CSV or
Excel) and an instrument YAML. Out: tidy, typed tables (one row per respondent and wave, items
coded) or a :class:`~strapetsi_lib.errors.DatasetError` listing every problem as
``file:row:column: message``. Raw data is only read. ``demo`` writes the fictitious demo network.

Modules: ``dataset_spec`` (the typed ``dataset.yml``, and the input files other stages hash),
``instrument`` and ``takehold_rules`` (the instrument YAML), ``encoding`` and ``excel`` (bytes and
workbooks to cells, nothing lost silently), ``reading`` (cells to parsed values), ``validation``
(every problem at once), ``problem_list`` (problems as readable lines), ``dataset`` (the whole).

Imports only :mod:`strapetsi_lib.config` and :mod:`strapetsi_lib.errors` (see docs/architecture.md).
"""
