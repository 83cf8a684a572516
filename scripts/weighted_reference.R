# Reference frequency-weighted statistics for readiness_analysis (weighted=True), computed
# with R Hmisc.
#
# Writes tests/fixtures/weighted_reference.json, read by tests/stats/test_scores.py (the tests
# never call R). With normwt = FALSE, Hmisc treats the weights as frequency weights
# (counts), which is the package's definition of n_teachers-weighting: each statistic
# equals the unweighted one of the data with row i repeated w_i times.
#   mean      Hmisc::wtd.mean(x, w)
#   sd        sqrt(Hmisc::wtd.var(x, w, normwt = FALSE, method = "unbiased")):
#             sum w (x - mean)^2 / (sum w - 1), i.e. ddof = 1 on the repeated data
#   quantiles Hmisc::wtd.quantile(x, w, probs, type = "quantile", normwt = FALSE):
#             R's type 7 (numpy's default "linear") on the repeated data. Not
#             type = "(i-1)/(n-1)": that one interpolates the weighted ECDF between
#             distinct values and differs from type 7 on the repeated data.
#   *_repeated the same statistics of rep(x, w) with sd() and quantile(type = 7), as a
#             check that Hmisc and the definition agree
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-hmisc r-cran-jsonlite
#   Rscript scripts/weighted_reference.R

suppressPackageStartupMessages({
  library(Hmisc)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_file <- file.path(root, "tests", "fixtures", "weighted_reference.json")

probs <- c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 1)

cases <- list(
  list(name = "interviews",  # theme scores of interviews with 1-4 teachers, ties included
       x = c(1.5, 2.0, 2.0, 2.333, 2.5, 3.0, 3.25, 3.667, 4.0, 4.5),
       w = c(1, 3, 1, 2, 1, 4, 1, 2, 1, 1)),
  list(name = "heavy_top",   # one large interview pulls mean and quartiles up together
       x = c(1.25, 1.5, 1.75, 2.0, 2.25, 3.75),
       w = c(1, 1, 1, 1, 1, 6)),
  list(name = "unsorted",
       x = c(4.2, 1.1, 3.3, 2.8, 1.1, 5.0, 2.2),
       w = c(2, 1, 5, 1, 3, 1, 2)),
  list(name = "two_rows",
       x = c(2.0, 5.0),
       w = c(3, 1)),
  list(name = "unit_weights",
       x = c(3.1, 1.4, 4.7, 2.2, 3.9),
       w = c(1, 1, 1, 1, 1))
)

reference <- lapply(cases, function(case) {
  x <- case$x
  w <- case$w
  repeated <- rep(x, w)
  list(
    name = case$name, x = x, w = w, probs = probs,
    mean = wtd.mean(x, w),
    sd = sqrt(wtd.var(x, w, normwt = FALSE, method = "unbiased")),
    quantiles = unname(wtd.quantile(x, w, probs = probs, type = "quantile",
                                    normwt = FALSE)),
    mean_repeated = mean(repeated),
    sd_repeated = sd(repeated),
    quantiles_repeated = unname(quantile(repeated, probs, type = 7))
  )
})

writeLines(toJSON(list(
  generator = "scripts/weighted_reference.R",
  r_version = R.version.string,
  hmisc_version = as.character(packageVersion("Hmisc")),
  cases = reference
), auto_unbox = TRUE, digits = NA, pretty = TRUE), out_file)
cat("wrote", out_file, "\n")
