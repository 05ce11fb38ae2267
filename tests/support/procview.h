/* procview.h - what other processes see of a running fwpack, through
 * /proc/PID: its command line (ps), its environment (ps e), its core file
 * limit, whether it is dumpable, and where a secret sits in its memory
 * (what a core dump, or a reader of /proc/PID/mem, would get). */
#ifndef PROCVIEW_H
#define PROCVIEW_H

#include <stddef.h>

/* /proc/PID/NAME, whole (NUL bytes kept), into buf; its length, or -1. */
long pv_read(int pid, const char *name, char *buf, size_t cap);
/* Nonzero when needle[0..n) occurs in hay[0..len). */
int pv_has(const char *hay, long len, const void *needle, size_t n);
/* The soft limit on core files, from /proc/PID/limits ("0"), or -1. */
long pv_core_limit(int pid);
/* The owner of the files in /proc/PID: the process's uid while it is
 * dumpable, root (0) once it is not (proc(5)); -1 on error. */
long pv_owner(int pid);

/* Where needle[0..n) occurs in the process's memory: *dd counts hits in
 * mappings marked "dd" (MADV_DONTDUMP: left out of core dumps), *other
 * hits anywhere else readable.  Mappings with nothing resident, or over
 * 1 GiB (ASan's shadow), are skipped.  -1 when /proc/PID/mem cannot be read (not root: a
 * non-dumpable process is closed to its own user). */
int pv_scan(int pid, const void *needle, size_t n, int *dd, int *other);

#endif
