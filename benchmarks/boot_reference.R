# Reference BCa intervals from R's boot package for the paper's Table 2, units
# resampled within activity (strata). Run: Rscript benchmarks/boot_reference.R [R] [seed]
# Prints CSV: statistic,estimate,low_95,high_95,low_99,high_99
suppressMessages(library(boot))
args <- commandArgs(trailingOnly = TRUE)
R <- if (length(args) >= 1) as.integer(args[1]) else 10000L
seed <- if (length(args) >= 2) as.integer(args[2]) else 1L
acts <- c("social", "cultural_nursing_home", "physical", "cultural_home_care",
          "food_delivery", "day_centre")
coord <- c("municipality", "voluntary", "together")
counts <- rbind(c(35, 42, 24), c(36, 19, 18), c(31, 10, 11), c(8, 19, 10),
                c(16, 4, 6), c(18, 0, 1))
statutory <- c(FALSE, FALSE, FALSE, FALSE, TRUE, TRUE)
d <- do.call(rbind, lapply(seq_along(acts), function(a)
  data.frame(act = a, code = rep(1:3, counts[a, ]))))
stat <- function(d, i) {
  x <- d[i, ]
  k <- table(factor(x$act, levels = seq_along(acts)), factor(x$code, levels = 1:3))
  n <- rowSums(k); p <- k / n
  out <- as.vector(t(p))
  groups <- list(list(statutory, !statutory),
                 list(statutory, !statutory & acts != "social"))
  for (g in groups) {
    s <- g[[1]]; ns <- g[[2]]
    pooled <- colSums(k[s, , drop = FALSE]) / sum(n[s]) - colSums(k[ns, , drop = FALSE]) / sum(n[ns])
    means <- colMeans(p[s, , drop = FALSE]) - colMeans(p[ns, , drop = FALSE])
    out <- c(out, pooled, means)
  }
  out
}
set.seed(seed)
b <- boot(d, stat, R = R, strata = d$act)
names <- c(as.vector(t(outer(acts, coord, function(a, c) paste0("share:", a, ":", c)))),
           paste0("pooled_diff:", coord), paste0("mean_diff:", coord),
           paste0("pooled_diff_excl_social:", coord), paste0("mean_diff_excl_social:", coord))
cat("statistic,estimate,low_95,high_95,low_99,high_99\n")
for (j in seq_along(names)) {
  ci <- tryCatch(boot.ci(b, conf = c(0.95, 0.99), type = "bca", index = j)$bca,
                 error = function(e) NULL)
  if (is.null(ci)) cat(sprintf("%s,%.6f,NA,NA,NA,NA\n", names[j], b$t0[j]))
  else cat(sprintf("%s,%.6f,%.6f,%.6f,%.6f,%.6f\n", names[j], b$t0[j], ci[1, 4], ci[1, 5], ci[2, 4], ci[2, 5]))
}
