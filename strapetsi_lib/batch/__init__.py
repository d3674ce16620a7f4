"""Stage 6, batch: a dataset and a selection → every report, the index page and the manifest.

In: a dataset folder and which reports to run. Out: the run folder (the HTML reports and
``index.html`` for sharing; ``_work/`` with the manifest, executed notebooks and logs, see
:mod:`strapetsi_lib.batch.layout`), a summary, and an exit status that reflects failures. Plans
the work, runs it on a local pool of warm kernels (ordinary kernels where ``fork`` is missing)
or a Dask cluster, records what happened.
"""
