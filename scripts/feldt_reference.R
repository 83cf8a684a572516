# Reference values for the limits of readiness_analysis.stats.reliability, computed with R psych.
#
# Writes tests/fixtures/psych/feldt_reference.json, read by tests/stats/test_reliability.py
# (the tests never call R):
#   feldt     psych::alpha.ci (Feldt's interval of alpha; Feldt, Woodruff & Salih 1987) for
#             the alpha and n of every case of scripts/psych_reference.R (bfi items) and for
#             small samples like the demo's (n = 14, 3 items)
#   improper  three items whose correlations imply a loading above 1 (r12 r13 / r23 > 1):
#             psych::fa(nfactors = 1, fm = "minres") loadings and uniquenesses, whether psych
#             warned of an (ultra-)Heywood case, and psych::omega(nfactors = 1)$omega.tot;
#             the data (200 rows, seeded) are written into the JSON file
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-psych r-cran-gparotation r-cran-jsonlite
#   Rscript scripts/feldt_reference.R

suppressPackageStartupMessages({
  library(psych)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "psych")
items <- read.csv(file.path(out_dir, "bfi_items.csv"))

cases <- list(
  list(name = "agreeableness_pairwise", items = paste0("A", 1:5), reverse = "A1",
       method = "pairwise"),
  list(name = "conscientiousness_listwise", items = paste0("C", 1:5), reverse = c("C4", "C5"),
       method = "listwise")
)

feldt_case <- function(case) {
  x <- items[, case$items]
  if (case$method == "listwise") x <- na.omit(x)
  a <- suppressWarnings(suppressMessages(psych::alpha(x, keys = case$reverse)))
  n <- sum(rowSums(!is.na(x)) > 0)
  ci <- alpha.ci(a$total$raw_alpha, n.obs = n, n.var = length(case$items))
  c(case, list(alpha = a$total$raw_alpha, n = n, k = length(case$items),
               low = ci$lower.ci, high = ci$upper.ci))
}

small_case <- function(alpha, n, k) {
  ci <- alpha.ci(alpha, n.obs = n, n.var = k)
  list(name = sprintf("alpha_%.2f_n%d_k%d", alpha, n, k), alpha = alpha, n = n, k = k,
       low = ci$lower.ci, high = ci$upper.ci)
}

set.seed(20240601)
target <- matrix(c(1, 0.8, 0.8, 0.8, 1, 0.5, 0.8, 0.5, 1), 3)
z <- matrix(rnorm(600), 200) %*% chol(target)
improper_data <- data.frame(a = round(z[, 1], 3), b = round(z[, 2], 3), c = round(z[, 3], 3))
warned <- FALSE
fit <- withCallingHandlers(
  fa(improper_data, nfactors = 1, fm = "minres"),
  warning = function(w) {
    if (grepl("Heywood", conditionMessage(w))) warned <<- TRUE
    invokeRestart("muffleWarning")
  }
)
om <- suppressWarnings(suppressMessages(omega(improper_data, nfactors = 1, plot = FALSE)))

reference <- list(
  generated_by = "scripts/feldt_reference.R",
  r_version = R.version.string,
  psych_version = as.character(packageVersion("psych")),
  feldt = c(lapply(cases, feldt_case),
            list(small_case(0.7, 14, 3), small_case(0.47, 14, 3), small_case(0.85, 30, 4))),
  improper = list(data = as.list(improper_data), loadings = unname(as.vector(fit$loadings)),
                  uniquenesses = unname(fit$uniquenesses), heywood_warning = warned,
                  omega_total = om$omega.tot)
)
write_json(reference, file.path(out_dir, "feldt_reference.json"), auto_unbox = TRUE,
           digits = NA, pretty = TRUE)
cat("wrote", file.path(out_dir, "feldt_reference.json"), "\n")
