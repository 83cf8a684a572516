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
# (L = empinf(type = "jack")), the estimate readiness_analysis.stats.bootstrap uses, so the
# two differ only by Monte Carlo error. The values of these three cases have three
# decimals and no lattice, so resampled means tied with the estimate are practically
# impossible.
#
# The tie cases are small theme-score-like samples on a lattice (means of 2-4 integer
# answers, thirds and halves): many resampled means equal the sample mean, and boot.ci's
# bias correction z0 = qnorm(mean(t < t0)) counts only those strictly below. Their data
# are stored as integer numerators `num` over one denominator `den` (x = num / den), and
# the statistic is computed from integer sums (sum(num[i]) / (den * n), a difference as
# (sum_b * n_a - sum_a * n_b) / (den * n_a * n_b)), so that a resampled mean equal to the
# estimate in exact arithmetic is also equal as a double: R counts the true ties.
#   ties_n4, ties_n5, ties_n12   mean of 4, 5, 12 lattice scores   (bootstrap_means)
#   ties_weighted                weighted mean, integer weights     (weighted=True)
#   ties_two_sample              difference of two lattice samples (wave_change)
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

exact_mean <- function(den) function(d, i) sum(d[i]) / (den * length(i))
exact_weighted <- function(den) function(d, i) sum(d$num[i] * d$w[i]) / (den * sum(d$w[i]))
exact_diff <- function(den) function(d, i) {
  d <- d[i, ]
  a <- d$num[d$wave == 1]
  b <- d$num[d$wave == 2]
  (sum(b) * length(a) - sum(a) * length(b)) / (den * length(a) * length(b))
}

tie_intervals <- function(b) {
  c(intervals(b), list(share_tied = mean(b$t == b$t0), share_below = mean(b$t < b$t0)))
}

tie_case <- function(name, num, den) {
  c(list(name = name, num = num, den = den), tie_intervals(boot(num, exact_mean(den), R = R)))
}

tie_weighted <- function(num, w, den) {
  b <- boot(data.frame(num = num, w = w), exact_weighted(den), R = R)
  c(list(name = "ties_weighted", num = num, w = w, den = den), tie_intervals(b))
}

tie_two_sample <- function(from, to, den) {
  d <- data.frame(num = c(from, to), wave = rep(1:2, c(length(from), length(to))))
  b <- boot(d, exact_diff(den), R = R, strata = d$wave)
  c(list(name = "ties_two_sample", from = from, to = to, den = den), tie_intervals(b))
}

tie_cases <- list(
  tie_case("ties_n4", c(8, 9, 9, 11), 3),
  tie_case("ties_n5", c(5, 7, 7, 8, 10), 3),
  tie_case("ties_n12", c(4, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 10), 2),
  tie_weighted(c(7, 8, 8, 9, 11, 12), c(1, 3, 2, 1, 2, 1), 3),
  tie_two_sample(c(5, 6, 6, 7, 8), c(6, 7, 7, 8, 8, 9), 2)
)

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
  ),
  tie_cases = tie_cases
)
write_json(reference, file.path(out_dir, "boot_reference.json"), auto_unbox = TRUE,
           digits = NA, pretty = TRUE)
cat("wrote", file.path(out_dir, "boot_reference.json"), "\n")
