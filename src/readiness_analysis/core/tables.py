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
    "QDA_IMPORT_COLUMNS",
    "QDA_IMPORT_FILE",
    "REDACTIONS_FILE",
    "REDACTION_COLUMNS",
    "REDACT_NAMES_FILE",
    "REPORT_INPUTS",
    "SCORE_COLUMNS",
    "UNIT_AGREEMENT_COLUMNS",
]

# Raw inputs beside the scan export (data/raw/).
FRAGMENTS_FILE = "fragments.csv"
DOCUMENTS_FILE = "documents.csv"
ALIAS_FILE = "institution_aliases.yaml"
QDA_FILES = ("coded_segments.qdpx", "coded_segments.csv", "coded_segments.xlsx")
# Optional: names to redact from free text, one per line (io.redact.load_names).
REDACT_NAMES_FILE = "redact_names.txt"

# redactions.csv: one row per cell (and kind) where free text was redacted as [...]:
# the raw file's name, its spreadsheet row (empty for a QDA export), the fragment id
# (fragments only), the column, the kind of personal data and how many spans. Never the
# value itself.
REDACTIONS_FILE = "redactions.csv"
REDACTION_COLUMNS = ("file", "row", "fragment_id", "column", "kind", "count")

# The columns of a respondent that are not item answers.
META_COLUMNS = ("respondent_id", "institution", "n_teachers", "wave")

# scores.parquet: one row per respondent and theme; the meta columns come first, in this
# order (not that of META_COLUMNS).
SCORE_COLUMNS = ("respondent_id", "institution", "wave", "n_teachers", "theme", "score",
                 "n_items")

# agreement.csv: coder agreement per code, plus an overall row.
AGREEMENT_COLUMNS = ("code", "n_fragments", "n_coders", "kappa", "alpha", "kappa_band",
                     "alpha_band")

# agreement.csv of a QDA export: the columns above (one-coder passages counted as
# disagreement), then the number of such passages, kappa and alpha without them, and the
# character-level agreement and kappa, and Krippendorff's unitized alpha
# (stats.agreement.coder_agreement).
UNIT_AGREEMENT_COLUMNS = (*AGREEMENT_COLUMNS, "n_one_coder", "kappa_paired", "alpha_paired",
                          "char_agreement", "char_kappa", "alpha_unitized")

# qda_import.csv: per source of a QDA export, where it went and what was matched or corrected.
QDA_IMPORT_FILE = "qda_import.csv"
QDA_IMPORT_COLUMNS = ("document", "institution", "coder", "codings", "passages",
                      "matched_passages", "one_coder_passages", "corrections")

# What the data stage writes to the processed folder, in the order it writes them.
PROCESSED_FILES = (
    "responses.parquet", "rejected_rows.csv", "cleaning_log.csv", "scores.parquet",
    "institution_scores.parquet", "institution_scores.csv", "wave_change.parquet",
    "wave_change.csv", "fragments.parquet", "evidence.csv", "documents.parquet",
    "agreement.csv", "qda_import.csv", REDACTIONS_FILE, "provenance.json",
)

# The processed files a report cannot do without.
REPORT_INPUTS = ("responses.parquet", "scores.parquet", "institution_scores.parquet",
                 "fragments.parquet", "cleaning_log.csv", "provenance.json",
                 "documents.parquet", "wave_change.parquet")
