"""The demo's answers laid out as survey tools export them, for the tests of `strapetsi init`.

Each writer takes one wave of a loaded dataset (tidy: provider, role, items as numbers) and
writes the file a survey tool would give for the same answers, as far as the tools' own help
pages and real exports show their layouts:

- Microsoft Forms (``.xlsx``): ``ID``, ``Start time``, ``Completion time``, ``Email``,
  ``Name``, then one column per question; a Likert question gives one column per statement,
  headed by the statement; answers are the labels.
- Google Forms (``.csv``, UTF-8, ``,``): ``Timestamp``, then the questions; a multiple-choice
  grid gives one column per row, headed ``Grid title [row]``; answers are the labels.
- Webropol (``.xlsx``): numbered questions, a matrix gives ``3. Title - statement``; scale
  answers are numbers, "don't know" its label.
- LimeSurvey (``.csv`` with question codes and answer codes, every field quoted): ``id``,
  ``submitdate``, ``lastpage``, ``startlanguage``, ``seed``, then ``Q1[SQ001]``...; answers
  ``A1``...; with the survey structure as tab-separated text (the code map).
- SPSS (``.sav`` via pyreadstat): coded variables with variable labels (the question texts) and
  value labels whose codes do not follow the scale's order.

Missing answers are written alternately as "don't know" and as an empty cell: both read back as
missing, as in the source.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from strapetsi_lib.ingest.instrument import Instrument

ROLE_LABELS_FI = {"leader": "Johto / esihenkilö", "teacher": "Opettaja",
                  "support": "Tukihenkilöstö", "other": "Muu"}
DONT_KNOW_FI = "En osaa sanoa"
DONT_KNOW_SV = "Vet ej"
START = datetime.datetime(2024, 10, 1, 9, 0, 0)


def wave_frame(dataset, wave: str) -> pd.DataFrame:
    """The tidy responses of one wave, in file order."""
    frame = dataset.responses[dataset.responses["wave"] == wave]
    return frame.drop(columns="wave").reset_index(drop=True)


def groups(instrument: Instrument) -> list[tuple[str, list[str]]]:
    """The instrument's items as a form builder groups them: one matrix (one set of answer
    options) per dimension and per practice and scale, titled with its Finnish name."""
    out: list[tuple[str, list[str]]] = []
    last = None
    for item in instrument.items:
        if item.dimension is not None:
            title = instrument.dimension(item.dimension).name["fi"]
        else:
            title = instrument.practice(item.practice).name["fi"]
        if out and last == (title, item.scale):
            out[-1][1].append(item.code)
        else:
            out.append((title, [item.code]))
        last = (title, item.scale)
    return out


def _label(instrument: Instrument, code: str, value: float, row: int,
           language: str = "fi") -> str:
    if np.isnan(value):
        return (DONT_KNOW_FI if language == "fi" else DONT_KNOW_SV) if row % 2 else ""
    return instrument.scale_of(code).labels[int(value)][language]


def _names(dataset) -> dict[str, str]:
    return dict(zip(dataset.providers["provider_id"], dataset.providers["name"], strict=True))


def _xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path


def ms_forms(dataset, wave: str, path: Path, form: str | None = None) -> Path:
    """Microsoft Forms' Excel download (in Finnish, every answer); with ``form`` ``"fi"`` or
    ``"sv"``, that form of a bilingual round, answered by the providers of that language."""
    instrument, frame, names = dataset.instrument, wave_frame(dataset, wave), _names(dataset)
    language = form or "fi"
    if form is not None:
        speaks = dict(zip(dataset.providers["provider_id"], dataset.providers["language"],
                          strict=True))
        frame = frame[frame["provider_id"].map(speaks) == form].reset_index(drop=True)
    asks = ("Koulutuksen järjestäjä", "Tehtäväsi") if language == "fi" else (
        "Din organisation", "Din roll")
    header = ["ID", "Start time", "Completion time", "Email", "Name", *asks]
    header += [instrument.item(code).text[language] for code in instrument.item_codes]
    roles = (ROLE_LABELS_FI if language == "fi" else
             {role.code: role.label[language] for role in instrument.roles})
    rows = []
    for i, record in frame.iterrows():
        start = START + datetime.timedelta(minutes=7 * i)
        rows.append([i + 1, start, start + datetime.timedelta(minutes=9), "anonymous", "",
                     names[record["provider_id"]], roles[record["role"]]]
                    + [_label(instrument, c, record[c], i, language)
                       for c in instrument.item_codes])
    return _xlsx(path, header, rows)


def google_forms(dataset, wave: str, path: Path) -> Path:
    """Google Forms' CSV download (UTF-8, comma-separated)."""
    instrument, frame, names = dataset.instrument, wave_frame(dataset, wave), _names(dataset)
    header = ["Timestamp", "Oppilaitos", "Rooli"]
    for title, codes in groups(instrument):
        header += [f"{title} [{instrument.item(code).text['fi']}]" for code in codes]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for i, record in frame.iterrows():
            stamp = (START + datetime.timedelta(minutes=7 * i)).strftime(
                "%Y/%m/%d %I:%M:%S %p EET")
            writer.writerow([stamp, names[record["provider_id"]],
                             ROLE_LABELS_FI[record["role"]]]
                            + [_label(instrument, c, record[c], i)
                               for _, codes in groups(instrument) for c in codes])
    return path


def webropol(dataset, wave: str, path: Path) -> Path:
    """Webropol's Excel report of answers: numbered questions, matrix rows as ``Title -
    statement``, numbers on the scale."""
    instrument, frame, names = dataset.instrument, wave_frame(dataset, wave), _names(dataset)
    header = ["Vastaajan numero", "Vastausaika", "1. Koulutuksen järjestäjä", "2. Tehtävä *"]
    order = []
    for number, (title, codes) in enumerate(groups(instrument), start=3):
        header += [f"{number}. {title} - {instrument.item(code).text['fi']}" for code in codes]
        order += codes
    rows = []
    for i, record in frame.iterrows():
        answers = [(DONT_KNOW_FI if i % 2 else "") if np.isnan(record[c]) else int(record[c])
                   for c in order]
        rows.append([i + 1, START + datetime.timedelta(minutes=7 * i),
                     names[record["provider_id"]], ROLE_LABELS_FI[record["role"]]] + answers)
    return _xlsx(path, header, rows)


def _limesurvey_codes(instrument: Instrument) -> tuple[dict[str, str], dict[str, dict]]:
    """Each item's column ``Q<k>[SQ<nnn>]``, and each scale's answer codes (A1... for the
    scale's values lowest first, then one for "don't know")."""
    columns = {}
    for k, (_, codes) in enumerate(groups(instrument), start=1):
        for n, code in enumerate(codes, start=1):
            columns[code] = f"Q{k}[SQ{n:03d}]"
    answers = {}
    for scale in instrument.scales.values():
        codes = {value: f"A{n}" for n, value in enumerate(scale.values, start=1)}
        codes["dont_know"] = f"A{len(scale.values) + 1}"
        answers[scale.code] = codes
    return columns, answers


def limesurvey(dataset, wave: str, path: Path) -> Path:
    """LimeSurvey's CSV export with question codes as headings and answer codes as answers."""
    instrument, frame = dataset.instrument, wave_frame(dataset, wave)
    columns, answers = _limesurvey_codes(instrument)
    provider_codes = {pid: f"P{n}" for n, pid in enumerate(dataset.providers["provider_id"], 1)}
    role_codes = {role: f"A{n}" for n, role in enumerate(ROLE_LABELS_FI, start=1)}
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "jarj", "rooli",
              *(columns[c] for c in instrument.item_codes)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for i, record in frame.iterrows():
            row = [i + 1, (START + datetime.timedelta(minutes=7 * i)).isoformat(" "), 4, "fi",
                   123456 + i, provider_codes[record["provider_id"]],
                   role_codes[record["role"]]]
            for code in instrument.item_codes:
                value, scale = record[code], instrument.item(code).scale
                row.append((answers[scale]["dont_know"] if i % 2 else "") if np.isnan(value)
                           else answers[scale][int(value)])
            writer.writerow(row)
    return path


def limesurvey_structure(dataset, path: Path) -> Path:
    """The survey's structure as LimeSurvey exports it in tab-separated text (the code map)."""
    instrument = dataset.instrument
    columns, answers = _limesurvey_codes(instrument)
    header = ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help",
              "language", "validation", "mandatory", "other", "default", "same_default"]
    rows = [["", "", "S", "", "sid", "", "123456", "", "", "", "", "", "", ""],
            ["", "", "SL", "", "surveyls_title", "", "Henkilöstökysely", "", "fi", "", "", "",
             "", ""],
            ["1", "", "G", "", "Taustatiedot", "1", "", "", "fi", "", "", "", "", ""],
            ["2", "", "Q", "!", "jarj", "1", "<p>Koulutuksen järjestäjä</p>", "", "fi", "", "Y",
             "N", "", ""]]
    for n, name in enumerate(dataset.providers["name"], start=1):
        rows.append(["", "", "A", "0", f"P{n}", "", name, "", "fi", "", "", "", "", ""])
    rows.append(["3", "", "Q", "L", "rooli", "1", "Tehtäväsi", "", "fi", "", "Y", "N", "", ""])
    for n, label in enumerate(ROLE_LABELS_FI.values(), start=1):
        rows.append(["", "", "A", "0", f"A{n}", "", label, "", "fi", "", "", "", "", ""])
    for k, (title, codes) in enumerate(groups(instrument), start=1):
        scale = instrument.scale_of(codes[0])
        rows.append([str(10 + k), "", "Q", "F", f"Q{k}", "1", f"<p><b>{title}</b></p>", "",
                     "fi", "", "N", "N", "", ""])
        for n, code in enumerate(codes, start=1):
            rows.append(["", "", "SQ", "0", f"SQ{n:03d}", "1",
                         instrument.item(code).text["fi"], "", "fi", "", "", "", "", ""])
        for value, answer in answers[scale.code].items():
            label = DONT_KNOW_FI if value == "dont_know" else scale.labels[value]["fi"]
            rows.append(["", "", "A", "0", answer, "", label, "", "fi", "", "", "", "", ""])
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def spss(dataset, wave: str, path: Path) -> Path:
    """An SPSS file: coded variables, variable labels (question texts), value labels whose
    codes run against the scale's order (1 is the scale's highest value; 9 "don't know")."""
    import pyreadstat

    instrument, frame = dataset.instrument, wave_frame(dataset, wave)
    provider_codes = {pid: n for n, pid in enumerate(dataset.providers["provider_id"], 1)}
    data = {"ResponseId": [f"R_{i:05d}" for i in range(len(frame))],
            "JARJ": frame["provider_id"].map(provider_codes).astype(float),
            "ROOLI": frame["role"].map({r: n for n, r in enumerate(ROLE_LABELS_FI, 1)})
            .astype(float)}
    labels = {"JARJ": "Koulutuksen järjestäjä", "ROOLI": "Tehtäväsi"}
    value_labels = {"JARJ": {float(n): name for name, n in zip(
                        dataset.providers["name"], provider_codes.values(), strict=True)},
                    "ROOLI": {float(n): label for n, label in
                              enumerate(ROLE_LABELS_FI.values(), 1)}}
    for k, code in enumerate(instrument.item_codes, start=1):
        scale = instrument.scale_of(code)
        coded = {value: float(scale.max - value + 1) for value in scale.values}
        column = []
        for i, value in enumerate(frame[code]):
            column.append((9.0 if i % 2 else np.nan) if np.isnan(value) else coded[int(value)])
        data[f"K{k}"] = column
        labels[f"K{k}"] = instrument.item(code).text["fi"]
        value_labels[f"K{k}"] = {c: scale.labels[v]["fi"] for v, c in coded.items()}
        value_labels[f"K{k}"][9.0] = DONT_KNOW_FI
    pyreadstat.write_sav(pd.DataFrame(data), str(path), column_labels=labels,
                         variable_value_labels=value_labels)
    return path
