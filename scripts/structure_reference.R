# Reference values for readiness_analysis.structure, computed with R psych and GPArotation.
#
# Writes fixture files used by tests/stats/test_structure.py (the tests never call R):
#   tests/fixtures/structure/bfi25.csv       the 25 personality items of psych's public `bfi`
#                                            data set (2800 respondents, missing answers as
#                                            empty cells)
#   tests/fixtures/structure/reference.json  psych::fa loadings, factor correlations,
#                                            communalities and uniquenesses per case, and
#                                            psych::fa.parallel results, with R and package
#                                            versions
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-psych r-cran-gparotation r-cran-jsonlite
#   Rscript scripts/structure_reference.R
#
# Every case runs on the complete rows (na.omit) of its items, as
# readiness_analysis.structure.explore_structure does; psych's default use = "pairwise"
# then gives the same correlation matrix. psych orders and signs factors its own way: the
# tests compare loadings up to column order and sign.
# fa.parallel draws random data: its simulated eigenvalues cannot be matched and are not
# written; its observed eigenvalues (pc.values) and the suggested numbers of components and
# factors (seed 2023) are.

suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "structure")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

data(bfi, package = "psych")
items <- bfi[, 1:25]
write.csv(items, file.path(out_dir, "bfi25.csv"), row.names = FALSE, na = "")

cases <- list(
  list(name = "bfi25_ml_5", items = colnames(items), nfactors = 5, fm = "ml",
       rotate = "oblimin"),
  list(name = "agree_consc_ml_2", items = c(paste0("A", 1:5), paste0("C", 1:5)),
       nfactors = 2, fm = "ml", rotate = "oblimin"),
  list(name = "bfi25_pa_5", items = colnames(items), nfactors = 5, fm = "pa",
       rotate = "oblimin"),
  list(name = "agree_consc_ml_2_none", items = c(paste0("A", 1:5), paste0("C", 1:5)),
       nfactors = 2, fm = "ml", rotate = "none")
)

run_case <- function(case) {
  x <- na.omit(items[, case$items])
  f <- suppressWarnings(suppressMessages(
    fa(x, nfactors = case$nfactors, fm = case$fm, rotate = case$rotate)
  ))
  loadings <- unclass(f$loadings)
  phi <- if (is.null(f$Phi)) diag(case$nfactors) else f$Phi
  list(
    name = case$name, items = case$items, nfactors = case$nfactors, fm = case$fm,
    rotate = case$rotate, n = nrow(x),
    loadings = unname(lapply(seq_len(ncol(loadings)), function(j) unname(loadings[, j]))),
    phi = unname(lapply(seq_len(ncol(phi)), function(j) unname(phi[, j]))),
    communality = unname(f$communality),
    uniquenesses = unname(f$uniquenesses)
  )
}

x <- na.omit(items)
set.seed(2023)
pa <- suppressWarnings(suppressMessages(
  fa.parallel(x, fa = "both", n.iter = 20, plot = FALSE, quant = 0.95)
))

reference <- list(
  generated_by = "scripts/structure_reference.R",
  regenerate = "from the repository root: Rscript scripts/structure_reference.R (R needs the packages named at the top of the script)",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  gparotation_version = as.character(packageVersion("GPArotation")),
  data = "psych::bfi items 1-25 (tests/fixtures/structure/bfi25.csv)",
  cases = lapply(cases, run_case),
  parallel = list(
    n = nrow(x), n_iter = 20, seed = 2023, quant = 0.95,
    pc_values = pa$pc.values, ncomp = pa$ncomp, nfact = pa$nfact
  )
)
write_json(reference, file.path(out_dir, "reference.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote", file.path(out_dir, "bfi25.csv"), "and reference.json\n")
