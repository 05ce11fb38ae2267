/*
 * avr_app.c - an avr-libc-heavy sample for the filter benchmark (make
 * bench-filters): stdio with floating point (printf_flt, scanf_flt), math,
 * qsort, strtod, dtostrf, on a UART stream.  Never run: only real linked
 * code with the call structure of firmware.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <ctype.h>
#include <avr/io.h>
#include <avr/pgmspace.h>

static int uput(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = c;
    return 0;
}

static int uget(FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << RXC0)))
        ;
    return UDR0;
}

static FILE uart = FDEV_SETUP_STREAM(uput, uget, _FDEV_SETUP_RW);

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    char line[64], name[16];
    double vals[8];
    int n = 0;
    long l;
    float f;
    stdout = stdin = &uart;
    UBRR0 = 16;
    UCSR0B = (1 << RXEN0) | (1 << TXEN0);
    for (;;) {
        printf_P(PSTR("> "));
        if (!fgets(line, sizeof line, stdin))
            continue;
        if (sscanf(line, "set %15s %f", name, &f) == 2) {
            vals[n++ & 7] = f;
            printf("%s = %8.3f\n", name, (double)f);
        } else if (sscanf(line, "int %ld", &l) == 1) {
            printf("%ld %lx %lo %s\n", l, l, l, ltoa(l, name, 2));
        } else if (!strncmp(line, "stat", 4)) {
            double s = 0, q = 0;
            int i, m = n < 8 ? n : 8;
            qsort(vals, m, sizeof vals[0], cmp);
            for (i = 0; i < m; i++) {
                s += vals[i];
                q += vals[i] * vals[i];
            }
            printf("mean %g sd %g median %e\n", s / m,
                   sqrt(q / m - (s / m) * (s / m)), vals[m / 2]);
            printf("sin %f cos %f atan2 %f exp %f log %f pow %f\n", sin(s),
                   cos(s), atan2(q, s), exp(s / 10), log(fabs(q) + 1),
                   pow(s, 0.3));
            dtostrf(s, 10, 4, line);
            puts(line);
            dtostre(q, line, 6, 0);
            puts(line);
        } else if (!strncmp(line, "num ", 4)) {
            char *e;
            double d = strtod(line + 4, &e);
            printf("%.10g rest '%s' %d\n", d, e, isspace((unsigned char)*e));
        } else {
            size_t k;
            for (k = 0; line[k]; k++)
                line[k] = toupper((unsigned char)line[k]);
            printf("? %s", line);
        }
    }
}
