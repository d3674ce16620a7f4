"""Stage 1, ingest: survey files → a validated :class:`~strapetsi_lib.ingest.dataset.Dataset`.

In: a dataset folder (``dataset.yml``, a providers file, one response file per wave, CSV or
Excel) and an instrument YAML. Out: tidy, typed tables (one row per respondent and wave, items
coded) or a :class:`~strapetsi_lib.errors.DatasetError` listing every problem as
``file:row:column: message``. Raw data is only read. ``demo`` writes the fictitious demo network.

Modules: ``dataset_spec`` (the typed ``dataset.yml``, and the input files other stages hash),
``instrument`` and ``takehold_rules`` (the instrument YAML), ``encoding``, ``excel`` and ``spss``
(bytes, workbooks and SPSS files to cells, nothing lost silently), ``reading`` (cells to parsed
values), ``validation`` (every problem at once), ``problem_list`` (problems as readable lines),
``dataset`` (the whole). A survey tool's export: ``export_map`` (how ``dataset.yml`` says it is
read), ``matching`` (its headers against the instrument's texts), ``limesurvey`` (LimeSurvey's
code map) and ``survey_export`` (``strapetsi init``'s proposal for a person to review).

Imports only :mod:`strapetsi_lib.config` and :mod:`strapetsi_lib.errors` (see docs/architecture.md).
"""
