# Reference values for readiness_analysis.compare, computed with base R, sandwich, lmtest
# and car.
#
# Writes fixture files used by tests/stats/test_compare.py (the tests never call R):
#   tests/fixtures/compare/<name>.csv     public R data sets as long "scores" tables with the
#                                         columns respondent_id, institution, wave, theme,
#                                         score (missing scores as empty cells)
#   tests/fixtures/compare/reference.json kruskal.test, wilcox.test, p.adjust("holm") and
#                                         lm + HC3 results per data set, with R and package
#                                         versions
#
# Regenerate (from the repository root) with
#   apt-get install r-base-core r-cran-jsonlite r-cran-sandwich r-cran-lmtest r-cran-car
#   Rscript scripts/compare_reference.R
#
# Data sets (all in base R's `datasets`):
#   airquality   Ozone and Temp by Month (institution = "m05" ... "m09"); Ozone has 37 NA
#   insectsprays count by spray (institution = "A" ... "F"): 6 groups, many ties
#   toothgrowth  len by supp (institution = "OJ", "VC"): exactly two groups
#   warpbreaks   breaks by wool (institution = "A", "B") and tension (wave = 1, 2, 3 for
#                L, M, H): waves within institutions and a two-factor model
#
# Conventions mirrored from the Python side:
#   * groups are compared in sorted order; pairs are (first, second) with first < second;
#   * Mann-Whitney: wilcox.test(x, y, exact = FALSE, correct = TRUE); W is U of x;
#     rank-biserial r = P(x > y) - P(x < y), computed independently of W as
#     mean(sign(outer(x, y, "-")));
#   * epsilon^2 = H / (n - 1), eta^2_H = (H - k + 1) / (n - k) (Tomczak & Tomczak 2014);
#   * Holm over all pairs of one theme (compare_groups) or over the consecutive wave pairs
#     of one institution and theme (compare_waves);
#   * model: lm(score ~ institution [+ factor(wave)]) with treatment contrasts against the
#     first level in sorted order; HC3 standard errors (sandwich::vcovHC), t tests with the
#     residual degrees of freedom (lmtest::coeftest, lmtest::coefci) and per-term Wald F
#     tests with the same covariance (car::linearHypothesis(test = "F")).

suppressPackageStartupMessages({
  library(jsonlite)
  library(sandwich)
  library(lmtest)
  library(car)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script) == 1) normalizePath(file.path(dirname(script), "..")) else getwd()
out_dir <- file.path(root, "tests", "fixtures", "compare")
dir.create(out_dir, recursive = TRUE, showWarnings = FALSE)

long_table <- function(prefix, institution, wave, values) {
  parts <- lapply(names(values), function(theme) {
    data.frame(
      respondent_id = sprintf("%s-%03d", prefix, seq_along(institution)),
      institution = institution,
      wave = wave,
      theme = theme,
      score = values[[theme]],
      stringsAsFactors = FALSE
    )
  })
  do.call(rbind, parts)
}

tables <- list(
  airquality = long_table(
    "aq", sprintf("m%02d", airquality$Month), 1L,
    list(ozone = airquality$Ozone, temp = airquality$Temp)
  ),
  insectsprays = long_table(
    "is", as.character(InsectSprays$spray), 1L, list(count = InsectSprays$count)
  ),
  toothgrowth = long_table(
    "tg", as.character(ToothGrowth$supp), 1L, list(len = ToothGrowth$len)
  ),
  warpbreaks = long_table(
    "wb", as.character(warpbreaks$wool), as.integer(warpbreaks$tension),
    list(breaks = warpbreaks$breaks)
  )
)
for (name in names(tables)) {
  write.csv(tables[[name]], file.path(out_dir, paste0(name, ".csv")), row.names = FALSE,
            na = "")
}

sorted_factor <- function(x) factor(x, levels = sort(unique(x), method = "radix"))

mann_whitney <- function(x, y) {
  test <- wilcox.test(x, y, exact = FALSE, correct = TRUE)
  list(n1 = length(x), n2 = length(y), u = unname(test$statistic), p = test$p.value,
       rank_biserial = mean(sign(outer(x, y, "-"))))
}

group_case <- function(data, theme) {
  d <- data[data$theme == theme & !is.na(data$score), ]
  g <- sorted_factor(d$institution)
  kw <- kruskal.test(d$score, g)
  n <- nrow(d)
  k <- nlevels(g)
  h <- unname(kw$statistic)
  pairs <- combn(levels(g), 2, simplify = FALSE)
  rows <- lapply(pairs, function(pair) {
    c(list(group1 = pair[1], group2 = pair[2]),
      mann_whitney(d$score[g == pair[1]], d$score[g == pair[2]]))
  })
  p <- vapply(rows, function(row) row$p, numeric(1))
  holm <- p.adjust(p, method = "holm")
  # independent check of the Holm step: R's own pairwise table (lower triangle)
  table <- pairwise.wilcox.test(d$score, g, p.adjust.method = "holm", exact = FALSE,
                                correct = TRUE)$p.value
  check <- vapply(pairs, function(pair) table[pair[2], pair[1]], numeric(1))
  stopifnot(isTRUE(all.equal(holm, check)))
  for (i in seq_along(rows)) rows[[i]]$p_holm <- holm[i]
  list(
    theme = theme, n = n, n_groups = k, groups = levels(g),
    group_n = as.integer(table(g)),
    h = h, df = unname(kw$parameter), p = kw$p.value,
    epsilon2 = h / (n - 1), eta2_h = (h - k + 1) / (n - k),
    pairwise = rows
  )
}

wave_case <- function(data, theme) {
  d <- data[data$theme == theme & !is.na(data$score), ]
  out <- list()
  for (inst in sort(unique(d$institution), method = "radix")) {
    di <- d[d$institution == inst, ]
    waves <- sort(unique(di$wave))
    rows <- lapply(seq_len(length(waves) - 1), function(i) {
      c(list(institution = inst, theme = theme, wave1 = waves[i], wave2 = waves[i + 1]),
        mann_whitney(di$score[di$wave == waves[i]], di$score[di$wave == waves[i + 1]]))
    })
    holm <- p.adjust(vapply(rows, function(row) row$p, numeric(1)), method = "holm")
    for (i in seq_along(rows)) rows[[i]]$p_holm <- holm[i]
    out <- c(out, rows)
  }
  out
}

model_case <- function(data, theme, with_wave) {
  d <- data[data$theme == theme & !is.na(data$score), ]
  d$institution <- sorted_factor(d$institution)
  d$wave <- sorted_factor(d$wave)
  formula <- if (with_wave) score ~ institution + wave else score ~ institution
  fit <- lm(formula, data = d)
  vc <- vcovHC(fit, type = "HC3")
  ct <- coeftest(fit, vcov. = vc)
  ci <- coefci(fit, vcov. = vc, level = 0.95)
  coefs <- names(coef(fit))
  terms <- if (with_wave) c("institution", "wave") else "institution"
  joint <- lapply(terms, function(term) {
    which <- coefs[startsWith(coefs, term)]
    lh <- linearHypothesis(fit, which, vcov. = vc, test = "F")
    list(term = term, f = lh$F[2], df_num = abs(lh$Df[2]), df_den = lh$Res.Df[2],
         p = lh[["Pr(>F)"]][2])
  })
  list(
    theme = theme, with_wave = with_wave, n = nrow(d), df_resid = fit$df.residual,
    r_squared = summary(fit)$r.squared,
    coefficients = list(
      r_name = coefs, estimate = unname(ct[, 1]), se = unname(ct[, 2]),
      t = unname(ct[, 3]), p = unname(ct[, 4]),
      ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2])
    ),
    joint = joint
  )
}

reference <- list(
  generated_by = "scripts/compare_reference.R",
  regenerate = "from the repository root: Rscript scripts/compare_reference.R (R needs the packages named at the top of the script)",
  r_version = R.version.string,
  sandwich_version = as.character(packageVersion("sandwich")),
  lmtest_version = as.character(packageVersion("lmtest")),
  car_version = as.character(packageVersion("car")),
  groups = list(
    group_case(tables$airquality, "ozone"),
    group_case(tables$airquality, "temp"),
    group_case(tables$insectsprays, "count"),
    group_case(tables$toothgrowth, "len")
  ),
  group_sources = c("airquality", "airquality", "insectsprays", "toothgrowth"),
  waves = wave_case(tables$warpbreaks, "breaks"),
  models = list(
    c(list(source = "airquality"), model_case(tables$airquality, "ozone", FALSE)),
    c(list(source = "warpbreaks"), model_case(tables$warpbreaks, "breaks", TRUE))
  ),
  # R's own behaviour on edge cases, asserted by the Python tests
  holm_with_na = list(p = c(0.01, NA, 0.04, 0.03),
                      holm = p.adjust(c(0.01, NA, 0.04, 0.03), method = "holm")),
  constant_scores = list(
    kruskal_statistic = unname(kruskal.test(rep(3, 6), factor(rep(1:3, each = 2)))$statistic),
    wilcox_p = suppressWarnings(
      wilcox.test(rep(2, 3), rep(2, 3), exact = FALSE, correct = TRUE)$p.value
    )
  )
)
write_json(reference, file.path(out_dir, "reference.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote", length(tables), "data sets and reference.json to", out_dir, "\n")
