"""What every local batch worker imports, imported once in the process the workers are forked from.

In: nothing (importing this module is its effect). Out: a process with Papermill, nbconvert,
nbformat and the workbench's render stage imported, and the slow optional import that the
batch's processes do without kept out (:mod:`strapetsi_lib.batch.startup`).

:class:`~strapetsi_lib.batch.executors.LocalExecutor` starts its workers from a
``multiprocessing`` fork server that imports this module first (``set_forkserver_preload``):
the workers then start with these libraries imported, instead of each importing them anew
(about 1.3 s of processor time a worker, at the start of every run, when the kernel server is
importing too), and with the report exporters made (:func:`strapetsi_lib.render.export.
warm_exporters`: the template compiled, the page checks' selectors built), which each worker
would otherwise make on its first report. The coordinator itself is never forked (it has
threads).
"""

from strapetsi_lib.batch.startup import skip_slow_optional_imports

skip_slow_optional_imports()

import nbconvert  # noqa: E402, F401
import papermill  # noqa: E402, F401

from strapetsi_lib.batch import tasks  # noqa: E402, F401
from strapetsi_lib.render import export  # noqa: E402, F401

export.warm_exporters()
