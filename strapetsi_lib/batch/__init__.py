"""Stage 6, batch: a dataset and a selection → every report, the index page and the manifest.

In: a dataset folder and which reports to run. Out: the run folder (reports, executed notebooks,
``index.html``, ``manifest.json``), a summary, and an exit status that reflects failures. Plans
the work, runs it on a local pool of warm kernels or a Dask cluster, records what happened.
"""
