/* procview.c - see procview.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procview.h"

long pv_read(int pid, const char *name, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
    int fd = open(path, O_RDONLY);
    long n = 0;
    if (fd < 0)
        return -1;
    for (ssize_t r; (size_t)n + 1 < cap &&
                    (r = read(fd, buf + n, cap - 1 - (size_t)n)) > 0;)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

int pv_has(const char *hay, long len, const void *needle, size_t n)
{
    for (long i = 0; len >= 0 && (size_t)len >= n && i <= len - (long)n; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

long pv_core_limit(int pid)
{
    char text[8192];
    if (pv_read(pid, "limits", text, sizeof text) < 0)
        return -1;
    const char *line = strstr(text, "Max core file size");
    if (!line)
        return -1;
    line += strlen("Max core file size");
    while (*line == ' ')
        line++;
    return strncmp(line, "unlimited", 9) == 0 ? -2 : strtol(line, NULL, 10);
}

long pv_owner(int pid)
{
    char path[64];
    struct stat st;
    /* not /proc/PID itself: a directory keeps the process's uid */
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    return stat(path, &st) == 0 ? (long)st.st_uid : -1;
}

#define CHUNK (1u << 20)

/* Counts needle in [lo, hi) of mem, a chunk at a time (chunks overlap by
 * n - 1 bytes, so that no occurrence is split). */
static int scan_range(int mem, unsigned long lo, unsigned long hi,
                      const void *needle, size_t n)
{
    char *buf = malloc(CHUNK + n);
    int hits = 0;
    for (unsigned long at = lo; buf && at < hi; at += CHUNK) {
        size_t want = hi - at < CHUNK + n - 1 ? hi - at : CHUNK + n - 1;
        ssize_t r = pread(mem, buf, want, (off_t)at);
        for (ssize_t i = 0; r > 0 && (size_t)r >= n && i <= r - (ssize_t)n;
             i++)
            hits += i < (ssize_t)CHUNK && memcmp(buf + i, needle, n) == 0;
    }
    free(buf);
    return hits;
}

int pv_scan(int pid, const void *needle, size_t n, int *dd, int *other)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int mem = open(path, O_RDONLY);
    if (mem < 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/smaps", pid);
    FILE *f = fopen(path, "r");
    if (!f) {
        close(mem);
        return -1;
    }
    char line[512], perms[8] = "";
    unsigned long lo = 0, hi = 0, rss = 0;
    *dd = *other = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
            lo = a;
            hi = b;
            continue;
        }
        if (sscanf(line, "Rss: %lu kB", &a) == 1)
            rss = a;
        /* VmFlags closes each mapping's entry; nothing resident (ASan's
         * shadow, mostly), nothing to find */
        if (strncmp(line, "VmFlags:", 8) != 0 || perms[0] != 'r' ||
            hi - lo > (1UL << 30) || rss == 0)
            continue;
        int hits = scan_range(mem, lo, hi, needle, n);
        if (strstr(line, " dd"))
            *dd += hits;
        else
            *other += hits;
    }
    fclose(f);
    close(mem);
    return 0;
}
