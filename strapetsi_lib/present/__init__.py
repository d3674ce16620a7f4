"""Stage 4, present: prepared tables → words, numbers, tables and figures in a language.

In: :class:`~strapetsi_lib.prepare.Prepared` tables and a report language. Out: display frames,
sentences and matplotlib figures that the report notebooks show. Every published number passes
the disclosure-control layer (:mod:`strapetsi_lib.analysis.disclosure`) before it is worded.
"""
