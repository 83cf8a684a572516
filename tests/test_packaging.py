"""pyproject.toml and environment.yml must list the same dependencies."""

import re
import tomllib

import yaml

from .conftest import ROOT


def _split(spec: str) -> tuple[str, str]:
    name, _, bound = re.match(r"([A-Za-z0-9_.-]+)\s*(>=\s*([\w.]+))?", spec).groups()
    return name.lower().replace("_", "-"), (bound or "").replace(">=", "").strip()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = project["dependencies"] + project["optional-dependencies"]["dev"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = [d for d in conda if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert dict(map(_split, pip)) == dict(map(_split, conda))


def test_every_dependency_has_a_lower_bound():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert ">=" in spec, spec


def test_readme_lists_every_item_and_code():
    from readiness_analysis.coding import load_codebook
    from readiness_analysis.instrument import load_instrument

    readme = (ROOT / "README.md").read_text()
    for item in load_instrument().item_ids:
        assert f"`{item}`" in readme, item
    for code in load_codebook().names:
        assert f"`{code}`" in readme, code
