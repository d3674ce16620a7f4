"""The `strapetsi` command line as a user runs it: exit codes and what it prints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from strapetsi_lib.config import PROJ_ROOT


def strapetsi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "strapetsi_lib", *args], cwd=PROJ_ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_validate_prints_the_summary_of_a_valid_dataset(tiny_dataset):
    result = strapetsi("validate", str(tiny_dataset))
    assert result.returncode == 0, result.stderr
    assert "6" in result.stdout and "baseline" in result.stdout


@pytest.mark.slow
def test_validate_lists_every_planted_error_with_file_row_column(tmp_path, tables,
                                                                 write_dataset):
    providers, responses = tables
    providers.loc[2, "language"] = "de"
    responses["baseline"].loc[0, "plan1"] = "7"
    responses["followup"].loc[5, "role"] = "boss"
    root = write_dataset(tmp_path, providers=providers, responses=responses,
                         formats={"followup": "xlsx"})
    result = strapetsi("validate", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()  # problems are the command's output: they redirect
    assert any(line.startswith("providers.csv:4:language: ") for line in lines), lines
    assert any(line.startswith("responses_baseline.csv:2:plan1: ") for line in lines), lines
    assert any(line.startswith("responses_followup.xlsx:7:role: ") for line in lines), lines


@pytest.mark.slow
def test_validate_lists_required_columns_first_and_suggests_the_nearest(tmp_path, tables,
                                                                        write_dataset,
                                                                        instrument):
    providers, responses = tables
    frame = responses["baseline"]
    # many problems in many rows, and a required column missing, which explains them
    frame.loc[:, "plan1"] = "7"
    text = instrument.item("plan2").text["fi"]
    responses["baseline"] = frame.drop(columns="respondent_id").rename(
        columns={"plan2": text.replace(text.split()[1], "toinen")})
    root = write_dataset(tmp_path, providers=providers, responses=responses)
    result = strapetsi("validate", str(root), "--output", str(tmp_path / "problems.txt"))
    assert result.returncode == 1 and result.stdout == ""
    lines = (tmp_path / "problems.txt").read_text(encoding="utf-8").splitlines()
    assert lines[1] == ("responses_baseline.csv:respondent_id: required column respondent_id "
                        "is missing")
    unknown = next(line for line in lines if "unknown column" in line)
    assert unknown.endswith(f"(did you mean 'plan2: {text}'?)")
    missing = next(line for line in lines if ":plan2: no column for item plan2" in line)
    assert missing.endswith(f"(did you mean column {text.replace(text.split()[1], 'toinen')!r}?)")
