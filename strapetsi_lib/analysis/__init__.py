"""Stage 2, analysis: tidy tables → statistical tables; no words, no file I/O.

In: a :class:`~strapetsi_lib.ingest.dataset.Dataset` (or its frames). Out: pandas tables of
scale scores, reliability, network distributions, change and take-hold, network models and the
disclosure-control decisions. Everything here is a pure function of its inputs and is tested
against published reference values (see docs/architecture.md).
"""
