"""Codes into words: the catalogue lookups that name a code of a lower layer in a report.

The statistics, cleaning and spec layers speak in codes (a cleaning step, a theme id, a
valence, an agreement band, a test status); this module is the one place that turns such
a code into the report's words, always from the text catalogue (``report/locale``). A new
code of a lower layer gets its words here and in every catalogue file.
"""

from __future__ import annotations

from readiness_analysis.report.text import DEFAULT_LANGUAGE, catalogue, text
from readiness_analysis.spec.instrument import Instrument
from readiness_analysis.stats.scores import READINESS

__all__ = ["alpha_band_label", "kappa_band_label", "step_label", "test_status_label",
           "theme_labels", "valence_label"]


def step_label(step: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Readable label of a cleaning step identifier; an unknown step shows as it is.

    The step identifiers of cleaning_log.csv (written by ``clean.clean_scan``) stay English
    and stable; reports show the catalogue's ``step.<identifier>`` labels instead.

    Examples
    --------
    >>> step_label("drop blank rows"), step_label("check wave", "en")
    ('Lege rijen verwijderen', 'Check the wave')
    >>> step_label("a future step")
    'a future step'
    """
    return catalogue(lang).get(f"step.{step}", str(step))


def theme_labels(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Theme id → label in ``lang``, plus the readiness index.

    Theme labels are the instrument's (spec data); the readiness index is the catalogue's
    ``themes.readiness``.

    Examples
    --------
    >>> from readiness_analysis.spec.instrument import load_instrument
    >>> theme_labels(load_instrument(), "en")["readiness"]
    'Readiness index'
    """
    labels = {t: instrument.theme_label(t, lang) for t in instrument.theme_ids}
    labels[READINESS] = text("themes.readiness", lang)
    return labels


def valence_label(valence: str, lang: str = DEFAULT_LANGUAGE, *, title: bool = False) -> str:
    """The word for a valence code of the codebook (``spec.codebook.VALENCES``).

    With ``title``, the form that heads a list or a column ("Belemmerend").

    Examples
    --------
    >>> valence_label("hindering"), valence_label("stimulating", "en", title=True)
    ('belemmerend', 'Stimulating')
    """
    return text(f"valence.{valence}_title" if title else f"valence.{valence}", lang)


def kappa_band_label(band: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for a kappa band code (``stats.agreement.KAPPA_BANDS``).

    Examples
    --------
    >>> kappa_band_label("almost_perfect", "en"), kappa_band_label("fair")
    ('almost perfect', 'redelijk')
    """
    return text(f"band.kappa.{band}", lang)


def alpha_band_label(band: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for an alpha band code (``stats.agreement.ALPHA_BANDS``).

    Examples
    --------
    >>> alpha_band_label("tentative", "en"), alpha_band_label("reliable")
    ('tentative conclusions only', 'betrouwbaar')
    """
    return text(f"band.alpha.{band}", lang)


def test_status_label(status: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The words for a test status of ``stats.compare`` ("ok", "n too small", ...).

    An unknown status shows as it is.

    Examples
    --------
    >>> test_status_label("n too small"), test_status_label("ok", "en")
    ('n te klein', 'ok')
    """
    return catalogue(lang).get(f"test_status.{status}", str(status))
