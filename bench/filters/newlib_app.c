/*
 * newlib_app.c - a newlib-heavy Cortex-M sample for the filter benchmark
 * (make bench-filters): stdio with floating point, scanf, math, time,
 * qsort/bsearch, strtod and friends, linked with --specs=nosys.specs.
 * Never run: only real linked code with the call structure of firmware.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct reading {
    char name[16];
    double value;
    time_t when;
};

static struct reading log_[32];
static int count;

static int by_value(const void *a, const void *b)
{
    double x = ((const struct reading *)a)->value;
    double y = ((const struct reading *)b)->value;
    return x < y ? -1 : x > y;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct reading *)a)->name,
                  ((const struct reading *)b)->name);
}

static void report(FILE *f)
{
    double sum = 0, sq = 0;
    int i;
    char when[32];
    qsort(log_, (size_t)count, sizeof log_[0], by_value);
    for (i = 0; i < count; i++) {
        sum += log_[i].value;
        sq += log_[i].value * log_[i].value;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&log_[i].when));
        fprintf(f, "%-15s %12.4f %s\n", log_[i].name, log_[i].value, when);
    }
    if (count) {
        double mean = sum / count;
        fprintf(f, "mean %g sd %g median %e\n", mean,
                sqrt(sq / count - mean * mean), log_[count / 2].value);
        fprintf(f, "sin %f cos %f atan2 %f exp %f log10 %f pow %f\n",
                sin(mean), cos(mean), atan2(sq, sum), exp(mean / 10),
                log10(fabs(sq) + 1), pow(fabs(mean), 0.3));
    }
}

int main(int argc, char **argv)
{
    char line[128], name[16];
    double v;
    long l;
    (void)argc;
    (void)argv;
    while (fgets(line, sizeof line, stdin)) {
        char *end;
        if (sscanf(line, "set %15s %lf", name, &v) == 2 && count < 32) {
            strcpy(log_[count].name, name);
            log_[count].value = v;
            log_[count].when = time(0);
            count++;
        } else if (sscanf(line, "int %li", &l) == 1) {
            printf("%ld %#lx %lo %s\n", l, l, l, ldiv(l, 7).quot ? "q" : "-");
        } else if (!strncmp(line, "find ", 5)) {
            struct reading key, *r;
            sscanf(line + 5, "%15s", key.name);
            qsort(log_, (size_t)count, sizeof log_[0], by_name);
            r = bsearch(&key, log_, (size_t)count, sizeof log_[0], by_name);
            printf("%s\n", r ? r->name : "none");
        } else if (!strncmp(line, "num ", 4)) {
            v = strtod(line + 4, &end);
            printf("%.10g %a rest '%s' %d\n", v, v, end, isspace((unsigned char)*end));
        } else if (!strncmp(line, "report", 6)) {
            report(stdout);
        } else {
            for (end = line; *end; end++)
                *end = (char)toupper((unsigned char)*end);
            fprintf(stderr, "? %s", line);
        }
    }
    return 0;
}
