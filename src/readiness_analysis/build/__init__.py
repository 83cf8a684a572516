"""The build layer: from a raw folder to a folder of reports, once and incrementally.

What belongs here is the machinery that runs the analysis, not the analysis itself: the
data stage that reads, cleans, analyses and writes the processed tables (``prepare``);
report jobs and their results (``jobs``); what each report depends on and whether it is
up to date (``incremental``); executing one notebook into a page (``render``, on a warm
``kernel`` reset between reports by ``session``) and many at once (``batch``, on an
``executor``: this process, worker processes or Dask), with ``progress`` on stderr; and
the whole build with its index page and manifest (``pipeline``), one build per folder at a
time (``lock``) and a clean stop on Ctrl-C or SIGTERM (``interrupt``). Statistics live in
:mod:`readiness_analysis.stats`, words and HTML in :mod:`readiness_analysis.report`;
modules here only call them, so that a build never decides what a report says.
"""
