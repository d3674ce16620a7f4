"""Neutral provider codes for the network report that cannot be decoded from public data.

A provider's code is ``J`` and three characters taken from HMAC-SHA256(key, provider id), where
the key is a secret made on the first run for the dataset (:func:`secrets.token_hex`) and kept
with the dataset's working state in ``.cache/keys/<dataset name>.key`` (readable by the user
only). The key never goes into a report; the coordinator's index page, which may name
providers, gives the key to the codes.

The codes are therefore:

* not in Y-tunnus order, nor in any order a reader can rebuild from public lists;
* stable across runs and waves (the same key and provider id give the same code), and a
  provider's code does not change when another provider joins or leaves the network (except in
  the rare collision below);
* unique: when two providers' first candidates collide, providers take their codes in the
  order of their HMAC digests and a later one moves on to its next candidate, so the outcome is
  still determined by the key alone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

from strapetsi_lib.config import CACHE_DIR

__all__ = ["KEYS_DIR", "codes_from_key", "dataset_key", "provider_codes"]

#: Where the per-dataset secret keys live (working state, never shared).
KEYS_DIR = CACHE_DIR / "keys"
#: Characters of a code: no 0/O or 1/I, which are easy to misread.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PREFIX = "J"
LENGTH = 3
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _key_path(dataset_name: str, keys_dir: Path) -> Path:
    if not _PLAIN_NAME.match(dataset_name) or ".." in dataset_name:
        raise ValueError(f"dataset name {dataset_name!r} is not a plain name (letters, digits, "
                         f"'.', '-', '_'); it names the file of the dataset's code key")
    return keys_dir / f"{dataset_name}.key"


def dataset_key(dataset_name: str, keys_dir: Path | None = None) -> bytes:
    """The dataset's secret code key, made (mode 0600) on first use.

    Parameters
    ----------
    dataset_name
        The dataset's ``name`` from ``dataset.yml`` (a plain name).
    keys_dir
        The folder of keys; default :data:`KEYS_DIR`.

    Returns
    -------
    bytes
        The key. Parallel report processes get the same key: a new key is written to a private
        temporary file and linked into place only if no key exists yet.
    """
    keys_dir = KEYS_DIR if keys_dir is None else Path(keys_dir)
    path = _key_path(dataset_name, keys_dir)
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=keys_dir, prefix=".key.")  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
            try:
                os.link(temporary, path)  # fails if another process was first: keep theirs
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _candidates(digest: bytes) -> list[str]:
    """The codes a digest offers, in order: successive groups of 5 bits as characters."""
    bits = int.from_bytes(digest, "big")
    chars = []
    for _ in range(len(digest) * 8 // 5):
        chars.append(ALPHABET[bits & 31])
        bits >>= 5
    return ["".join(chars[i:i + LENGTH]) for i in range(0, len(chars) - LENGTH + 1, LENGTH)]


def codes_from_key(provider_ids: Iterable[str], key: bytes) -> dict[str, str]:
    """Each provider id's code under ``key`` (see the module docstring).

    Returns
    -------
    dict
        ``{provider_id: code}`` in the order of ``provider_ids``; codes are unique.
    """
    ids = list(dict.fromkeys(provider_ids))
    digests = {pid: hmac.new(key, pid.encode("utf-8"), hashlib.sha256).digest() for pid in ids}
    taken: set[str] = set()
    codes: dict[str, str] = {}
    for pid in sorted(ids, key=lambda p: digests[p]):
        code = next((c for c in _candidates(digests[pid]) if c not in taken), None)
        if code is None:  # every candidate taken: unreachable for a network of hundreds
            code = digests[pid].hex().upper()
        taken.add(code)
        codes[pid] = PREFIX + code
    return {pid: codes[pid] for pid in ids}


def provider_codes(prepared) -> dict[str, str]:
    """The network report's code of every provider of a prepared dataset.

    Parameters
    ----------
    prepared
        A :class:`strapetsi_lib.prepare.Prepared`.

    Returns
    -------
    dict
        ``{provider_id: code}``; the coordinator's index page shows it as the key to the codes.
    """
    return codes_from_key(prepared["providers"]["provider_id"],
                          dataset_key(prepared.dataset_name))
