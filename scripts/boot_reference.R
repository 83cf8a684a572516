# Reference bootstrap intervals for readiness_analysis.indices, computed with R boot.
#
# Writes tests/fixtures/indices/boot_reference.json, read by tests/stats/test_bootstrap.py (the
# tests never call R). Each case holds its data and the 95 % percentile and BCa intervals
# of boot::boot.ci from R = 200000 resamples:
#   one_sample   mean of 12 scores                       (bootstrap_means)
#   weighted     n_teachers-weighted mean of 12 scores   (bootstrap_means, weighted=TRUE)
#   two_sample   mean of wave 2 minus mean of wave 1, 10 scores each, resampled
#                independently (boot's strata)             (wave_change)
# The BCa acceleration is computed from jackknife influence values
# (L = empinf(type = "jack")), the estimate scipy.stats.bootstrap uses, so the two differ
# only by Monte Carlo error (scipy counts resamples tied with the estimate as half below
# z0; the data have no such ties). The values have three decimals and no lattice, so ties
# are practically impossible.
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-boot r-cran-jsonlite
#   Rscript scripts/boot_reference.R

suppressPackageStartupMessages({
  library(boot)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "indices")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

R <- 200000
set.seed(20240517)

x <- c(1.417, 2.083, 2.351, 2.912, 3.046, 3.233, 3.604, 3.731, 4.127, 4.452, 4.788, 4.969)
w <- c(1, 3, 2, 1, 1, 4, 2, 1, 3, 1, 2, 1)
from <- c(1.842, 2.216, 2.507, 2.633, 2.979, 3.118, 3.371, 3.586, 4.204, 4.731)
to <- c(2.096, 2.745, 3.013, 3.307, 3.452, 3.693, 3.877, 4.062, 4.519, 4.913)

intervals <- function(b) {
  L <- empinf(b, type = "jack")
  ci <- boot.ci(b, conf = 0.95, type = c("perc", "bca"), L = L)
  list(percentile = unname(ci$percent[4:5]), bca = unname(ci$bca[4:5]), estimate = b$t0)
}

one <- boot(x, function(d, i) mean(d[i]), R = R)
weighted <- boot(data.frame(x = x, w = w), function(d, i) sum(d$x[i] * d$w[i]) / sum(d$w[i]),
                 R = R)
two_data <- data.frame(score = c(from, to), wave = rep(1:2, c(length(from), length(to))))
two <- boot(two_data, function(d, i) {
  d <- d[i, ]
  mean(d$score[d$wave == 2]) - mean(d$score[d$wave == 1])
}, R = R, strata = two_data$wave)

reference <- list(
  generated_by = "scripts/boot_reference.R",
  r_version = R.version.string,
  boot_version = as.character(packageVersion("boot")),
  resamples = R,
  confidence_level = 0.95,
  cases = list(
    c(list(name = "one_sample", x = x), intervals(one)),
    c(list(name = "weighted", x = x, w = w), intervals(weighted)),
    c(list(name = "two_sample", from = from, to = to), intervals(two))
  )
)
write_json(reference, file.path(out_dir, "boot_reference.json"), auto_unbox = TRUE,
           digits = NA, pretty = TRUE)
cat("wrote", file.path(out_dir, "boot_reference.json"), "\n")
