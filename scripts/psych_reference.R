# Reference values for readiness_analysis.reliability, computed with R psych.
#
# Writes two fixture files used by tests/stats/test_reliability.py (the tests never call R):
#   tests/fixtures/psych/bfi_items.csv   item subsets of psych's public `bfi` data set
#                                        (2800 respondents, missing values left as empty cells)
#   tests/fixtures/psych/reference.json  psych::alpha and psych::omega(nfactors = 1) results
#                                        for each case below, plus the R and package versions
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-psych r-cran-gparotation r-cran-jsonlite
#   Rscript scripts/psych_reference.R
#
# Cases: every case runs psych::alpha(x, keys = reverse) with its default use = "pairwise"
# ("pairwise" cases) or on na.omit(x) ("listwise" cases), and psych::omega(x, nfactors = 1)
# on the same data (omega flips negatively loading items itself, so keys are not passed).
# The "n" written here is the number of rows with at least one answer (pairwise) or the
# number of complete rows (listwise); psych itself only reports nrow(x) and per-item counts,
# both of which are written as well ("n_rows" and items$n).

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "psych")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

data(bfi, package = "psych")
columns <- c(paste0("A", 1:5), paste0("C", 1:5), "education")
items <- bfi[, columns]
write.csv(items, file.path(out_dir, "bfi_items.csv"), row.names = FALSE, na = "")

cases <- list(
  list(name = "agreeableness_pairwise", items = paste0("A", 1:5), reverse = "A1",
       method = "pairwise"),
  list(name = "agreeableness_listwise", items = paste0("A", 1:5), reverse = "A1",
       method = "listwise"),
  list(name = "conscientiousness_pairwise", items = paste0("C", 1:5), reverse = c("C4", "C5"),
       method = "pairwise"),
  list(name = "conscientiousness_listwise", items = paste0("C", 1:5), reverse = c("C4", "C5"),
       method = "listwise"),
  # two items: psych's alpha.drop is not an alpha here (see reliability.py Notes)
  list(name = "two_items_pairwise", items = c("A2", "A3"), reverse = character(0),
       method = "pairwise"),
  # education is scored 1-5, the A items 1-6: reverse-keying uses the range of all items
  list(name = "mixed_range_pairwise", items = c("A2", "A3", "A4", "education"),
       reverse = "education", method = "pairwise")
)

run_case <- function(case) {
  x <- items[, case$items]
  if (case$method == "listwise") x <- na.omit(x)
  keys <- if (length(case$reverse) > 0) case$reverse else NULL
  a <- suppressWarnings(suppressMessages(psych::alpha(x, keys = keys)))
  o <- suppressWarnings(suppressMessages(psych::omega(x, nfactors = 1, plot = FALSE)))
  stats <- a$item.stats
  list(
    name = case$name,
    items = case$items,
    reverse = case$reverse,
    method = case$method,
    n_rows = nrow(x),
    n = sum(rowSums(!is.na(x)) > 0),
    alpha = a$total$raw_alpha,
    std_alpha = a$total$std.alpha,
    g6 = a$total[["G6(smc)"]],
    average_r = a$total$average_r,
    omega_total = o$omega.tot,
    item_table = list(
      item = case$items,
      n = unname(stats$n),
      r_drop = unname(stats$r.drop),
      alpha_if_dropped = unname(a$alpha.drop$raw_alpha),
      mean = unname(stats$mean),
      sd = unname(stats$sd)
    )
  )
}

reference <- list(
  generated_by = "scripts/psych_reference.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  gparotation_version = as.character(packageVersion("GPArotation")),
  data = "psych::bfi (tests/fixtures/psych/bfi_items.csv)",
  cases = lapply(cases, run_case)
)
write_json(reference, file.path(out_dir, "reference.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote", file.path(out_dir, "bfi_items.csv"), "and reference.json\n")
