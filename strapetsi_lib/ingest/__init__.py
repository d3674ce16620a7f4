"""Stage 1, ingest: survey files → a validated :class:`~strapetsi_lib.ingest.dataset.Dataset`.

In: a dataset folder (``dataset.yml``, a providers file, one response file per wave, CSV or
Excel) and an instrument YAML. Out: tidy, typed tables (one row per respondent and wave, items
coded) or a :class:`~strapetsi_lib.errors.DatasetError` listing every problem as
``file:row:column: message``. Raw data is only read. ``demo`` writes the fictitious demo network.

Imports only :mod:`strapetsi_lib.config` and :mod:`strapetsi_lib.errors` (see docs/architecture.md).
"""
