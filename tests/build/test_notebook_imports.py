"""The modules a build's kernels import ahead of the first report (build/notebooks.py)."""

import nbformat

from readiness_analysis.build.notebooks import notebook_imports

from .notebooks import notebook


def test_the_imports_of_both_notebooks_at_any_depth_and_nothing_else(tmp_path):
    nbformat.write(notebook("import pandas as pd, numpy\nfrom a.b import c, d as e",
                            "%matplotlib inline\nimport never_seen",  # IPython, not Python
                            "def f():\n    import json\n    from . import sibling",
                            parameters="processed_dir = ''"),
                   tmp_path / "study_report.ipynb")
    nbformat.write(notebook("from x import *\nimport x.y.z"),
                   tmp_path / "institution_report.ipynb")
    assert notebook_imports(tmp_path) == ("a.b", "a.b.c", "a.b.d", "json", "numpy", "pandas",
                                          "x", "x.y.z")


def test_notebooks_that_are_missing_or_not_json_add_nothing(tmp_path):
    (tmp_path / "study_report.ipynb").write_text("{not json", encoding="utf-8")
    assert notebook_imports(tmp_path) == ()
    assert notebook_imports(tmp_path / "nowhere") == ()
