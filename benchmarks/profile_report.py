"""Where one report's time goes: per notebook cell and per library call.

Usage (from the repository root, after a build has written the processed folder)::

    python benchmarks/profile_report.py                                 # Instelling A, demo
    python benchmarks/profile_report.py --processed P --institution "Instelling B"
    python benchmarks/profile_report.py --processed P --study-report    # the study report
    python benchmarks/profile_report.py --processed P --warm 2          # after 2 warm-ups

The report notebook's code cells run in this process, as a kernel runs them: the
parameters cell replaced by the given values, every ``display()`` and every cell's last
expression turned into its HTML (``_repr_html_``), which is where figures become PNGs.
Printed per cell: wall and CPU seconds and the share of the report; then, under cProfile,
the functions of ``readiness_analysis`` (and of the libraries they call) with the most
cumulative time, i.e. each statistic, figure and table. The imports (the first code
cell's ``import`` lines) are timed apart, since a warm kernel has paid them already;
``--warm N`` runs the report N times first, so that per-kernel caches (reliability, the
ranking) are as warm as in a build's worker that rendered N reports. HTML export of the
executed notebook is not part of this: the build's own benchmark measures it
(``bench_build.py``).
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def code_cells(notebook: Path) -> list[tuple[str, str]]:
    """(tag, source) of each code cell; the tag is ``parameters`` or ``""``."""
    cells = json.loads(notebook.read_text("utf-8"))["cells"]
    return [("parameters" if "parameters" in c.get("metadata", {}).get("tags", []) else "",
             "".join(c["source"])) for c in cells if c["cell_type"] == "code"]


def html_of(value: object) -> None:
    """Format a displayed value as the notebook's HTML output would (the cost counts)."""
    if value is None:
        return
    for method in ("_repr_html_", "_repr_markdown_"):
        if hasattr(value, method):
            getattr(value, method)()
            return
    repr(value)


def run_cell(source: str, namespace: dict) -> None:
    """Execute a cell; its last expression, when there is one, is displayed."""
    tree = ast.parse(source)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = ast.Module(tree.body[:-1] if last else tree.body, type_ignores=[])
    exec(compile(body, "<cell>", "exec"), namespace)  # our own notebook
    if last is not None:
        html_of(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace))


def split_imports(source: str) -> tuple[str, str]:
    """The cell's import statements, and the rest."""
    lines = source.splitlines()
    imports = [ln for ln in lines if ln.startswith(("import ", "from "))]
    return "\n".join(imports), "\n".join(ln for ln in lines if ln not in imports)


def run_report(cells: list[tuple[str, str]], parameters: dict, clock: list | None) -> None:
    namespace: dict = {"display": lambda *values, **_: [html_of(v) for v in values]}
    for n, (tag, source) in enumerate(cells):
        if tag == "parameters":
            source = "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
        wall, cpu = time.perf_counter(), time.process_time()
        run_cell(source, namespace)
        if clock is not None:
            clock.append((n, source, time.perf_counter() - wall, time.process_time() - cpu))


def first_line(source: str) -> str:
    line = next((ln for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", default=str(ROOT / "data" / "processed"))
    parser.add_argument("--institution", default="Instelling A")
    parser.add_argument("--study-report", action="store_true", help="the study report")
    parser.add_argument("--lang", default="nl")
    parser.add_argument("--warm", type=int, default=0, help="warm-up runs first")
    parser.add_argument("--top", type=int, default=25, help="library calls to list")
    args = parser.parse_args()
    name = "study_report.ipynb" if args.study_report else "institution_report.ipynb"
    cells = code_cells(ROOT / "notebooks" / name)
    parameters = {"processed_dir": str(Path(args.processed).absolute()), "lang": args.lang}
    if not args.study_report:
        parameters = {"institution": args.institution, **parameters}
    imports, rest = split_imports(cells[1][1])
    wall = time.perf_counter()
    exec(imports, {})  # the notebook's own imports
    print(f"imports (paid once per kernel): {time.perf_counter() - wall:.2f} s")
    cells = [cells[0], (cells[1][0], imports + "\n" + rest), *cells[2:]]
    for _ in range(args.warm):
        run_report(cells, parameters, None)
    clock: list = []
    profile = cProfile.Profile()
    profile.enable()
    run_report(cells, parameters, clock)
    profile.disable()
    total_wall, total_cpu = sum(c[2] for c in clock), sum(c[3] for c in clock)
    print(f"\n{name} ({args.institution if not args.study_report else 'all'}), "
          f"warm-ups {args.warm}: {total_wall:.2f} s wall, {total_cpu:.2f} s CPU "
          "(under cProfile: slower than without)")
    print(f"{'cell':>4} {'wall s':>7} {'CPU s':>7} {'share':>6}  first line")
    for n, source, w, c in clock:
        print(f"{n:>4} {w:7.2f} {c:7.2f} {w / total_wall:6.0%}  {first_line(source)}")
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(r"readiness_analysis|matplotlib/figure|seaborn|pandas/io|scipy|numpy",
                      args.top)
    print("\nlibrary calls by cumulative time:")
    print("\n".join(ln for ln in out.getvalue().splitlines() if ln.strip()
                    and not ln.lstrip().startswith(("Ordered", "List reduced"))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
