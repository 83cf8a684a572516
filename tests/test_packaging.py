"""pyproject.toml and environment.yml must list the same dependencies."""

import re
import subprocess
import sys
import tomllib

import yaml


def _split(spec: str) -> tuple[str, str]:
    """A requirement as (normalised name, its bounds without spaces), e.g. ('a-b', '>=1,<2')."""
    name, bounds = re.match(r"([A-Za-z0-9_.-]+)\s*([^#]*)", spec).groups()
    return name.lower().replace("_", "-"), re.sub(r"\s", "", bounds)


def test_environment_yml_matches_pyproject(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    pip = project["dependencies"] + project["optional-dependencies"]["dev"]
    conda = yaml.safe_load((repo_root / "environment.yml").read_text())["dependencies"]
    from_pip = [d for entry in conda if isinstance(entry, dict) for d in entry["pip"]]
    conda = [d for d in conda if isinstance(d, str) and not d.startswith(("python", "pip"))]
    conda += [d for d in from_pip if not d.startswith("-e")]
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


def test_every_data_file_of_the_package_is_in_its_package_data(repo_root):
    """A file a wheel leaves out works in the editable install and fails in a real one
    (the report catalogues were missing from ``pip install .``)."""
    setuptools = tomllib.loads((repo_root / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = setuptools["package-data"]["readiness_analysis"]
    package = repo_root / "src" / "readiness_analysis"
    data = [p.relative_to(package) for p in package.rglob("*") if p.is_file()
            and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts]
    assert data, "no data files found: the test looks in the wrong place"
    missing = [p.as_posix() for p in data if not any(p.match(pat) for pat in patterns)]
    assert missing == []
