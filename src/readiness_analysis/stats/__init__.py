"""The numbers: scores, their uncertainty and what they are compared with, in no language.

Belongs here every computation on processed tables: theme scores and their summaries
(``scores``, on the group machinery of ``groups``), bootstrap intervals and wave change
(``bootstrap``), small-cell suppression (``disclosure``), pooled figures safe to show
beside an institution's own (``pooled``), reliability (``reliability``), scale structure
(``structure``), comparisons of institutions and waves (``compare``), item statistics
(``itemstats``), coder agreement (``agreement``), the evidence behind each
recommendation (``evidence``) and their ranking (``ranking``). Modules here may import
``core``, ``spec`` and ``io`` (and numpy, pandas, scipy, statsmodels); they take no
``lang`` and produce no HTML or sentences: results carry codes (a band ``"moderate"``, a
status ``"n too small"``) that the report layer turns into words.
"""
