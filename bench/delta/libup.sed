# A library upgrade: the report uses more of newlib (hyperbolic and cube
# roots, asctime, strtoul).
s/^        fprintf(f, "mean %g sd %g median %e\\n", mean,$/        fprintf(f, "tanh %f cbrt %f asinh %f %lu %s", tanh(mean), cbrt(mean),\
                asinh(mean), strtoul(log_[0].name, 0, 36),\
                asctime(gmtime(\&log_[0].when)));\
        fprintf(f, "mean %g sd %g median %e\\n", mean,/
