"""Runs inside a report kernel: put the session back to its fresh state between reports.

:class:`readiness_analysis.build.kernel.WarmKernel` calls :func:`reset` before every notebook.
It runs ``%reset -f`` (empties the namespace and the output cache) and undoes the
process-wide state a report can leave behind: open figures, matplotlib settings, warning
filters, the working folder. Imported modules stay: that is what makes the kernel warm.
"""

from __future__ import annotations

import gc
import os
import warnings

__all__ = ["reset", "warm_up"]

_baseline: dict | None = None
# Settings that follow the process, not the report: never put back.
_KEEP = frozenset({"backend", "backend_fallback", "interactive"})


def reset(cwd: str) -> None:
    """``%reset -f``; close figures, restore matplotlib and warning settings; enter ``cwd``.

    The first call in a kernel records the settings to restore (the kernel is fresh then).
    IPython's reset ends with a full ``gc.collect()``, which takes 0.3-0.7 s once pandas,
    matplotlib and statsmodels are loaded (it scans every live object); it is skipped here:
    the garbage collector still runs on its own, as in any Python program.

    Examples
    --------
    >>> reset(".")  # doctest: +SKIP
    """
    global _baseline
    _reset_namespace()
    import matplotlib
    import matplotlib.pyplot as plt

    plt.close("all")
    if _baseline is None:
        _baseline = {"rc": matplotlib.rcParams.copy(), "warnings": list(warnings.filters)}
    else:
        _restore(_baseline)
    if os.path.isdir(cwd):
        os.chdir(cwd)


def warm_up(modules: tuple[str, ...] = ()) -> None:
    """Import ``modules`` and, once matplotlib is loaded, draw one small figure.

    :meth:`readiness_analysis.build.kernel.WarmKernel.warm_up` runs it in a new kernel
    while the build's data stage runs, with the modules the report notebooks import
    (:func:`readiness_analysis.build.notebooks.notebook_imports`), so that the first
    report there finds them imported and matplotlib's fonts loaded. A module that cannot
    be imported is left to the report, which says why. It leaves only what :func:`reset`
    keeps: modules and their caches, no name in the namespace, no open figure.

    Examples
    --------
    >>> warm_up(("json",))
    """
    import importlib
    import sys

    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the report's own import fails again, and says why
            continue
    if "matplotlib" not in sys.modules:
        return
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.set_title("0,5")
    fig.canvas.draw()
    plt.close(fig)


def _reset_namespace() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:  # not in a kernel (a doctest, say): nothing to empty
        return
    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        shell.run_line_magic("reset", "-f")
    finally:
        gc.collect = collect


def _restore(baseline: dict) -> None:
    import matplotlib

    warnings.filters[:] = baseline["warnings"]
    mutated = getattr(warnings, "_filters_mutated", None)  # drop the cached lookups
    if mutated is not None:
        mutated()
    current = matplotlib.rcParams
    changed = {k: v for k, v in baseline["rc"].items()
               if k not in _KEEP and _differs(current, k, v)}
    if changed:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            current.update(changed)


def _differs(current: dict, key: str, value: object) -> bool:
    try:
        return bool(current[key] != value)
    except Exception:  # values that do not compare (arrays): put them back anyway
        return True
