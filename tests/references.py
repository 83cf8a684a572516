"""One loader for the reference fixtures in ``tests/fixtures/``.

Each *family* is a folder of reference results and the data sets they were computed
from. Most families are written by an R script, which stays the only source of their
numbers (rerun it to regenerate; the paths below are where it writes):

=============  ==========================================  ==============================
family         files                                       written by
=============  ==========================================  ==============================
``psych``      ``reference.json``, ``bfi_items.csv``        ``scripts/psych_reference.R``
               ``feldt_reference.json``                    ``scripts/feldt_reference.R``
``structure``  ``reference.json``, ``bfi25.csv``            ``scripts/structure_reference.R``
``compare``    ``reference.json``, ``<data set>.csv``       ``scripts/compare_reference.R``
``indices``    ``boot_reference.json``                     ``scripts/boot_reference.R``
``weighted``   ``../weighted_reference.json``              ``scripts/weighted_reference.R``
``agreement``  ``<published example>.json``, ``*.csv``     by hand, see its README.md
``qda``        ``example.qdpx``                            ``scripts/make_qdpx_fixture.py``
=============  ==========================================  ==============================

``reference(family)`` is the family's reference results as parsed JSON (a fresh dict on
every call, so a test may change it); ``reference(family, name)`` one named JSON file of
the family; ``dataset(family, name)`` one of its CSV data sets as a DataFrame;
``fixture_path(family, name)`` the path of any of its files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .paths import FIXTURES

#: The reference file of each family that has one, relative to tests/fixtures/.
REFERENCE_FILES = {
    "psych": "psych/reference.json",
    "structure": "structure/reference.json",
    "compare": "compare/reference.json",
    "indices": "indices/boot_reference.json",
    "weighted": "weighted_reference.json",
}


def fixture_path(family: str, name: str) -> Path:
    """The path of file ``name`` (with its suffix) of a reference family.

    Examples
    --------
    >>> fixture_path("qda", "example.qdpx").name
    'example.qdpx'
    """
    path = FIXTURES / family / name
    if not path.exists():
        raise FileNotFoundError(f"no reference fixture {path} (see tests/references.py)")
    return path


def reference(family: str, name: str | None = None) -> Any:
    """The parsed JSON reference results of ``family``, or its JSON file ``name``.

    Examples
    --------
    >>> reference("psych")["r_version"].startswith("R version")
    True
    >>> reference("agreement", "kappa_grant_proposals")["source"][:9]
    'Wikipedia'
    """
    if name is None:
        path = FIXTURES / REFERENCE_FILES[family]
    else:
        path = fixture_path(family, f"{name}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def dataset(family: str, name: str, **read_csv: Any) -> pd.DataFrame:
    """The CSV data set ``name`` of ``family`` (keywords go to ``pandas.read_csv``).

    Examples
    --------
    >>> dataset("compare", "toothgrowth").columns.tolist()[:3]
    ['respondent_id', 'institution', 'wave']
    """
    return pd.read_csv(fixture_path(family, f"{name}.csv"), **read_csv)
