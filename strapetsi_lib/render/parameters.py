"""One report: the parameters a report notebook gets, and running it into HTML."""

from __future__ import annotations

from pathlib import Path

from strapetsi_lib.config import NETWORK_NOTEBOOK, PROVIDER_NOTEBOOK
from strapetsi_lib.prepare import Prepared
from strapetsi_lib.render.export import ReportResult, render_report


def provider_parameters(prepared: Prepared, provider_id: str,
                        language: str | None = None) -> dict[str, str]:
    """Papermill parameters of one provider's report; ids stay text, language defaults to the
    provider's own."""
    provider = prepared.provider(provider_id)
    return {"dataset": prepared.dataset_path, "provider_id": str(provider_id),
            "language": language or str(provider["language"])}


def provider_stem(provider_id: str) -> str:
    """File name (without suffix) of a provider's report."""
    return f"provider_{provider_id}"


def run_provider_report(prepared: Prepared, provider_id: str, out_dir: Path,
                        language: str | None = None) -> ReportResult:
    """Execute and export one provider's report into ``out_dir``.

    Raises
    ------
    ReportError
        When the notebook fails or the export breaks a report rule; an earlier report in
        ``out_dir`` is then left as it was.
    """
    parameters = provider_parameters(prepared, provider_id, language)
    return render_report(PROVIDER_NOTEBOOK, parameters, out_dir, provider_stem(provider_id),
                         parameters["language"], report_id=provider_id)


NETWORK_STEM = "network"


def network_parameters(prepared: Prepared, language: str = "fi",
                       name_providers: bool = False) -> dict:
    """Papermill parameters of the network report (providers by code unless asked to name)."""
    return {"dataset": prepared.dataset_path, "language": language,
            "name_providers": bool(name_providers)}


def run_network_report(prepared: Prepared, out_dir: Path, language: str = "fi",
                       name_providers: bool = False) -> ReportResult:
    """Execute and export the coordinator's network report into ``out_dir``."""
    parameters = network_parameters(prepared, language, name_providers)
    return render_report(NETWORK_NOTEBOOK, parameters, out_dir, NETWORK_STEM, language,
                         report_id="network")
