/*
 * app.c - the sample application the bootloader installs.  Built twice
 * from this source (-DAPP_VERSION="1.0.0" and "2.0.0"), linked for the
 * active slot (app.ld), run by the bootloader's jump.
 *
 * It does a little of what a sensor node would: filters a table of
 * readings, formats them with newlib's printf (floating point included, so
 * the image carries a realistic amount of library code), checks its own
 * image with a CRC-32, and exits through semihosting.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif

extern const uint8_t vector_table[];
extern const uint8_t __image_end[];

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = c >> 1 ^ (0xEDB88320u & -(c & 1));
    }
    return ~c;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static const int16_t raw[] = {2113, 2120, 2131, 2098, 2145, 2210, 2189,
                              2154, 2143, 2101, 2087, 2099, 2120, 2133};

int main(void)
{
    uint32_t size = (uint32_t)(__image_end - vector_table);
    printf("app v%s running\n", APP_VERSION);

    float c[sizeof raw / sizeof raw[0]];
    double sum = 0, sq = 0;
    size_t n = sizeof raw / sizeof raw[0];
    for (size_t i = 0; i < n; i++) {
        c[i] = raw[i] / 100.0f;
        sum += c[i];
        sq += (double)c[i] * c[i];
    }
    double mean = sum / n, sd = sqrt(sq / n - mean * mean);
    qsort(c, n, sizeof c[0], cmp_float);
    char line[96];
    snprintf(line, sizeof line, "%.2f C mean, %.3f sd, median %.2f C",
             mean, sd, (c[n / 2 - 1] + c[n / 2]) / 2.0);
    printf("app: %u readings: %s\n", (unsigned)n, line);
    printf("app: image %lu bytes at %p, crc32 %08lx\n", (unsigned long)size,
           (const void *)vector_table,
           (unsigned long)crc32(vector_table, size));
    return 0;
}
