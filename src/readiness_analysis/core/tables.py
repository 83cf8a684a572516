"""File names and column sets of the raw inputs and the processed tables, in one place.

Every stage that reads or writes one of these files takes its name from here, so that
the data stage, the report layer and the incremental build agree on them.
"""

from __future__ import annotations

__all__ = [
    "AGREEMENT_COLUMNS",
    "ALIAS_FILE",
    "DOCUMENTS_FILE",
    "FRAGMENTS_FILE",
    "META_COLUMNS",
    "PROCESSED_FILES",
    "QDA_FILES",
    "REPORT_INPUTS",
    "SCORE_COLUMNS",
]

# Raw inputs beside the scan export (data/raw/).
FRAGMENTS_FILE = "fragments.csv"
DOCUMENTS_FILE = "documents.csv"
ALIAS_FILE = "institution_aliases.yaml"
QDA_FILES = ("coded_segments.qdpx", "coded_segments.csv")

# The columns of a respondent that are not item answers.
META_COLUMNS = ("respondent_id", "institution", "n_teachers", "wave")

# scores.parquet: one row per respondent and theme; the meta columns come first, in this
# order (not that of META_COLUMNS).
SCORE_COLUMNS = ("respondent_id", "institution", "wave", "n_teachers", "theme", "score",
                 "n_items")

# agreement.csv: coder agreement per code, plus an overall row.
AGREEMENT_COLUMNS = ("code", "n_fragments", "n_coders", "kappa", "alpha", "kappa_band",
                     "alpha_band")

# What the data stage writes to the processed folder, in the order it writes them.
PROCESSED_FILES = (
    "responses.parquet", "rejected_rows.csv", "cleaning_log.csv", "scores.parquet",
    "institution_scores.parquet", "institution_scores.csv", "wave_change.parquet",
    "wave_change.csv", "fragments.parquet", "evidence.csv", "documents.parquet",
    "agreement.csv", "provenance.json",
)

# The processed files a report cannot do without.
REPORT_INPUTS = ("responses.parquet", "scores.parquet", "institution_scores.parquet",
                 "fragments.parquet", "cleaning_log.csv", "provenance.json",
                 "documents.parquet", "wave_change.parquet")
