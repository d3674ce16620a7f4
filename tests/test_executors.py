"""Executors are chosen by name from one registry, and each has what the batch asks of one."""

from __future__ import annotations

import inspect

import pytest

from strapetsi_lib.batch import executors
from strapetsi_lib.batch.executors import EXECUTORS, Executor, make_executor


@pytest.mark.parametrize("name", sorted(EXECUTORS))
def test_each_executor_is_made_by_its_name_and_keeps_the_protocol(name, tmp_path):
    executor = make_executor(name, 2, warm=False, notebook_timeout=60, log_dir=tmp_path)
    assert executor.name == name
    assert executor.describe()["executor"] == name
    assert executor.describe()["notebook_timeout"] == 60
    for method in ("start", "describe", "run", "shutdown"):
        wanted = inspect.signature(getattr(Executor, method))
        assert inspect.signature(getattr(type(executor), method)).parameters.keys() == \
            wanted.parameters.keys(), (name, method)
    executor.shutdown()  # nothing started: nothing to stop, and no error


def test_an_unknown_executor_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown executor 'slurm'; use local or dask"):
        make_executor("slurm", 2)


def test_a_new_executor_is_one_entry_in_the_registry(monkeypatch):
    class Inline:
        name = "inline"

        def __init__(self, settings):
            self.settings = settings

    monkeypatch.setitem(executors.EXECUTORS, "inline", Inline)
    made = make_executor("inline", 3, scheduler="tcp://scheduler:8786")
    assert isinstance(made, Inline) and made.settings.jobs == 3
    assert made.settings.scheduler == "tcp://scheduler:8786"
