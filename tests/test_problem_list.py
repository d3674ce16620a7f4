"""Problem lists a person can read: one line per problem and column, capped."""

import pytest

from strapetsi_lib.errors import Problem
from strapetsi_lib.ingest.dataset import validate_dataset
from strapetsi_lib.ingest.problem_list import MAX_LINES, problem_lines


def test_the_same_problem_in_many_rows_is_one_line():
    problems = [Problem("responses.csv", row, "role", "unknown role 'x'")
                for row in range(2, 2352)]
    problems.append(Problem("responses.csv", 7, "plan1", "answer '9' is outside the scale 1–5"))
    problems.sort(key=lambda p: (p.row, p.column))
    assert problem_lines(problems) == [
        "responses.csv:2,3,4,…(+2,347 more):role: unknown role 'x'",
        "responses.csv:7:plan1: answer '9' is outside the scale 1–5"]
    assert len(problem_lines(problems, every=True)) == 2351


def test_the_list_is_capped_with_a_count_of_the_rest():
    problems = [Problem("r.csv", row, f"c{row}", f"problem {row}") for row in range(2, 202)]
    lines = problem_lines(problems)
    assert len(lines) == MAX_LINES + 1
    assert lines[-1] == ("… and 150 more line(s) (150 problem(s)); `strapetsi validate --all` "
                         "lists every one")
    assert problem_lines(problems, every=True) == [str(p) for p in problems]


def test_unquoted_decimal_commas_give_one_clear_line(tmp_path, tables, write_dataset):
    providers, responses = tables
    for frame in responses.values():  # 4,0 instead of 4 in a file separated by commas
        frame["plan1"] = frame["plan1"].map(lambda t: f"{t},0" if t.isdigit() else t)
    root = write_dataset(tmp_path, responses=responses)
    for wave in responses:  # as a tool that does not quote writes them
        path = root / f"responses_{wave}.csv"
        path.write_text(path.read_text(encoding="utf-8").replace('"', ""), encoding="utf-8")
    dataset, problems = validate_dataset(root)
    lines = problem_lines(problems)
    assert len(problems) > 60 and len(lines) <= 6
    assert lines[0].startswith("responses_baseline.csv:2,3,5,…(+32 more): ")  # 4: no answer
    assert "line has more fields than the header's" in lines[0]
    assert "decimal comma in a file separated by commas" in lines[0]


@pytest.mark.slow
def test_validate_groups_by_default_and_lists_every_line_with_all(tmp_path, tables,
                                                                  write_dataset):
    import subprocess
    import sys

    providers, responses = tables
    responses["baseline"]["role"] = "boss"
    root = write_dataset(tmp_path, responses=responses)

    def validate(*options):
        return subprocess.run([sys.executable, "-m", "strapetsi_lib", "validate", str(root),
                               *options], capture_output=True, text=True, timeout=120)

    grouped, every = validate(), validate("--all")
    assert grouped.returncode == every.returncode == 1
    lines = grouped.stdout.splitlines()
    assert lines[0].endswith("36 problem(s) found, on 36 line(s) of the files and 0 about a "
                             "whole file or column; 1 line(s) below") and len(lines) == 2
    assert lines[1].startswith("responses_baseline.csv:2,3,4,…(+33 more):role: unknown role "
                               "'boss'")
    assert len(every.stdout.splitlines()) == 37
    assert every.stdout.splitlines()[0].endswith("; 36 line(s) below")
