"""pyproject.toml and environment.yml must list the same dependencies."""

import re
import subprocess
import sys
import tomllib

import yaml


def _split(spec: str) -> tuple[str, str]:
    name, _, bound = re.match(r"([A-Za-z0-9_.-]+)\s*(>=\s*([\w.]+))?", spec).groups()
    return name.lower().replace("_", "-"), (bound or "").replace(">=", "").strip()


def test_environment_yml_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    pip = project["dependencies"] + project["optional-dependencies"]["dev"]
    conda = yaml.safe_load((repo_root / "environment.yml").read_text())["dependencies"]
    conda = [d for d in conda if isinstance(d, str) and not d.startswith(("python", "pip"))]
    assert dict(map(_split, pip)) == dict(map(_split, conda))


def test_every_dependency_has_a_lower_bound(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert ">=" in spec, spec


def test_readme_lists_every_item_and_code(repo_root):
    from readiness_analysis.spec.codebook import load_codebook
    from readiness_analysis.spec.instrument import load_instrument

    readme = (repo_root / "README.md").read_text()
    for item in load_instrument().item_ids:
        assert f"`{item}`" in readme, item
    for code in load_codebook().names:
        assert f"`{code}`" in readme, code


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    return out.stdout.strip()


HEAVY = ("pandas", "numpy", "scipy", "yaml", "nbformat", "importlib.metadata")


def test_importing_the_package_and_the_cli_loads_nothing_heavy():
    code = ("import sys, readiness_analysis, readiness_analysis.cli\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    assert _run(code) == "[]"


def test_lazy_exports_and_version_still_work():
    # importing the submodule must not replace the function of the same name (as before)
    code = ("import sys, readiness_analysis as ra\n"
            "import readiness_analysis.stats.reliability\n"
            "module = sys.modules['readiness_analysis.stats.reliability']\n"
            "from readiness_analysis import Instrument, ReliabilityResult, load_instrument\n"
            "from importlib.metadata import version\n"
            "print(callable(ra.reliability), ra.reliability is module.reliability,\n"
            "      ra.ReliabilityResult is module.ReliabilityResult,\n"
            "      isinstance(load_instrument(), Instrument),\n"
            "      ra.__version__ == version('readiness-analysis'),\n"
            "      set(ra.__all__) <= set(dir(ra)), hasattr(ra, 'no_such_name'))")
    assert _run(code) == "True True True True True True False"
