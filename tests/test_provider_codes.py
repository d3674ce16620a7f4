"""Network-report codes: from a secret key, stable, not in Y-tunnus order."""

from __future__ import annotations

import stat

import pytest

from strapetsi_lib.present import provider_codes as codes_module
from strapetsi_lib.present.provider_codes import codes_from_key, dataset_key

IDS = [f"{n:07d}-{n % 10}" for n in range(100, 181)]  # 81 ids in Y-tunnus order


def test_codes_are_unique_well_formed_and_not_in_ytunnus_order():
    codes = codes_from_key(IDS, b"key one")
    assert len(set(codes.values())) == len(IDS)
    assert all(len(c) == 4 and c.startswith("J") for c in codes.values())
    in_id_order = [codes[pid] for pid in sorted(IDS)]
    assert in_id_order != sorted(in_id_order)
    # a coded list sorted by code does not follow the public order either
    by_code = sorted(IDS, key=codes.get)
    assert by_code != sorted(IDS)


def test_codes_are_stable_and_do_not_depend_on_the_other_members():
    codes = codes_from_key(IDS, b"key one")
    assert codes_from_key(list(reversed(IDS)), b"key one") == codes
    fewer = codes_from_key(IDS[::2], b"key one")
    assert all(fewer[pid] == codes[pid] for pid in fewer)


def test_another_key_gives_other_codes():
    one, two = codes_from_key(IDS, b"key one"), codes_from_key(IDS, b"key two")
    assert sum(one[pid] == two[pid] for pid in IDS) < 5


def test_collisions_are_resolved_the_same_way_every_time(monkeypatch):
    monkeypatch.setattr(codes_module, "_candidates", lambda digest: ["AAA", "BBB", "CCC"])
    first = codes_from_key(["0100013-3", "0213427-2", "0371582-9"], b"k")
    assert sorted(first.values()) == ["JAAA", "JBBB", "JCCC"]
    assert codes_from_key(["0371582-9", "0213427-2", "0100013-3"], b"k") == first


def test_the_key_is_made_once_private_and_reused(tmp_path):
    key = dataset_key("demo-2024", tmp_path)
    path = tmp_path / "demo-2024.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 64
    assert dataset_key("demo-2024", tmp_path) == key
    assert dataset_key("other", tmp_path) != key
    assert {p.name for p in tmp_path.iterdir()} == {"demo-2024.key", "other.key"}


@pytest.mark.parametrize("name", ["../x", "a/b", "..", ".hidden", ""])
def test_a_dataset_name_that_is_not_plain_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="plain name"):
        dataset_key(name, tmp_path)
