/*
 * app.c - a freestanding sample application for the filter benchmark
 * (make bench-filters): linked code for Cortex-M, RV32 and AVR alike, with
 * no C library beyond memcpy & co. (bench/size_libc.c; riscv64-unknown-elf
 * on Debian has none).  Never run: it only has to be real linked code with
 * the call structure of firmware.
 *
 * A sensor node: a UART shell with a small printf (integers and doubles,
 * so the compiler's soft-float routines are linked in), a JSON-ish config
 * parser, CRC-32 and base64, a moving-average and PID loop on doubles, a
 * timer wheel, a ring buffer, and the fwpack verifier for updates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "fwpk_verify.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#define REG8(a) (*(volatile uint8_t *)(uintptr_t)(a))
#if defined(__AVR__)
#define UART_DATA REG8(0xc6u)
#define UART_STAT REG8(0xc0u)
#define TIMER REG8(0x46u)
#define FLASH_CMD(v) (REG8(0x57u) = (uint8_t)(v))
#else
#define UART_DATA REG8(0x40000000u)
#define UART_STAT REG8(0x40000004u)
#define TIMER REG8(0x40000008u)
#define FLASH_CMD(v) (REG8(0x4000000cu) = (uint8_t)(v))
#endif

/* ---- ring buffer and UART ---- */

typedef struct {
    uint8_t buf[64];
    uint8_t head, tail;
} ring;

static ring rx, tx;

static int ring_put(ring *r, uint8_t c)
{
    uint8_t next = (uint8_t)((r->head + 1u) % sizeof r->buf);
    if (next == r->tail)
        return -1;
    r->buf[r->head] = c;
    r->head = next;
    return 0;
}

static int ring_get(ring *r)
{
    int c;
    if (r->head == r->tail)
        return -1;
    c = r->buf[r->tail];
    r->tail = (uint8_t)((r->tail + 1u) % sizeof r->buf);
    return c;
}

static void uart_poll(void)
{
    int c;
    if (UART_STAT & 1u)
        ring_put(&rx, UART_DATA);
    if ((UART_STAT & 2u) && (c = ring_get(&tx)) >= 0)
        UART_DATA = (uint8_t)c;
}

static void uart_putc(char c)
{
    while (ring_put(&tx, (uint8_t)c) != 0)
        uart_poll();
}

static void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

static int uart_getline(char *line, size_t cap)
{
    size_t n = 0;
    for (;;) {
        int c;
        uart_poll();
        c = ring_get(&rx);
        if (c < 0)
            continue;
        if (c == '\r' || c == '\n') {
            line[n] = 0;
            return (int)n;
        }
        if (c == 8 && n > 0) {
            n--;
            uart_puts("\b \b");
        } else if (n + 1 < cap) {
            line[n++] = (char)c;
            uart_putc((char)c);
        }
    }
}

/* ---- a small printf ---- */

typedef struct {
    char *p;
    size_t left;
    size_t n;
} out;

static void put(out *o, char c)
{
    if (o->left > 1) {
        *o->p++ = c;
        o->left--;
    }
    o->n++;
}

static void put_uint(out *o, unsigned long v, unsigned base, int width,
                     char pad, int upper)
{
    char tmp[24];
    int i = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        tmp[i++] = digits[v % base];
        v /= base;
    } while (v && i < (int)sizeof tmp);
    while (width-- > i)
        put(o, pad);
    while (i > 0)
        put(o, tmp[--i]);
}

static void put_double(out *o, double d, int prec)
{
    unsigned long ip;
    double frac;
    int i;
    if (d != d) {
        put(o, 'n');
        put(o, 'a');
        put(o, 'n');
        return;
    }
    if (d < 0) {
        put(o, '-');
        d = -d;
    }
    if (prec < 0)
        prec = 6;
    frac = 0.5;
    for (i = 0; i < prec; i++)
        frac /= 10.0;
    d += frac;
    ip = (unsigned long)d;
    put_uint(o, ip, 10, 0, ' ', 0);
    if (prec == 0)
        return;
    put(o, '.');
    d -= (double)ip;
    for (i = 0; i < prec; i++) {
        int digit;
        d *= 10.0;
        digit = (int)d;
        put(o, (char)('0' + digit));
        d -= digit;
    }
}

static int vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    out o;
    o.p = buf;
    o.left = cap;
    o.n = 0;
    for (; *fmt; fmt++) {
        int width = 0, prec = -1, lng = 0;
        char pad = ' ';
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            prec = 0;
            fmt++;
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        if (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            long v = lng ? va_arg(ap, long) : va_arg(ap, int);
            if (v < 0) {
                put(&o, '-');
                v = -v;
            }
            put_uint(&o, (unsigned long)v, 10, width, pad, 0);
            break;
        }
        case 'u':
            put_uint(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
                     10, width, pad, 0);
            break;
        case 'x':
        case 'X':
            put_uint(&o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned),
                     16, width, pad, *fmt == 'X');
            break;
        case 'f':
            put_double(&o, va_arg(ap, double), prec);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            while (*s)
                put(&o, *s++);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        default:
            put(&o, *fmt);
        }
    }
    if (cap)
        *o.p = 0;
    return (int)o.n;
}

static int format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

static void print(const char *fmt, ...)
{
    char buf[96];
    va_list ap;
    va_start(ap, fmt);
    vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    uart_puts(buf);
}

/* ---- number parsing ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip(const char *s)
{
    while (is_space(*s))
        s++;
    return s;
}

static long parse_long(const char *s, const char **end)
{
    long v = 0;
    int neg = 0;
    unsigned base = 10;
    s = skip(s);
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        if (d >= base)
            break;
        v = v * (long)base + (long)d;
    }
    if (end)
        *end = s;
    return neg ? -v : v;
}

static double parse_double(const char *s, const char **end)
{
    double v = 0, scale = 1;
    int neg = 0, e = 0;
    s = skip(s);
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9') {
            scale /= 10;
            v += (*s++ - '0') * scale;
        }
    }
    if (*s == 'e' || *s == 'E') {
        e = (int)parse_long(s + 1, &s);
        while (e > 0) {
            v *= 10;
            e--;
        }
        while (e < 0) {
            v /= 10;
            e++;
        }
    }
    if (end)
        *end = s;
    return neg ? -v : v;
}

/* ---- CRC-32 and base64 ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
    uint32_t i, j;
    for (i = 0; i < 256; i++) {
        uint32_t c = i;
        for (j = 0; j < 8; j++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64_encode(const uint8_t *in, size_t n, char *outp)
{
    size_t i, o = 0;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
                     in[i + 2];
        outp[o++] = b64[v >> 18 & 63];
        outp[o++] = b64[v >> 12 & 63];
        outp[o++] = b64[v >> 6 & 63];
        outp[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        outp[o++] = b64[v >> 18 & 63];
        outp[o++] = b64[v >> 12 & 63];
        outp[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        outp[o++] = '=';
    }
    outp[o] = 0;
    return o;
}

static int b64_value(char c)
{
    const char *p;
    for (p = b64; *p; p++)
        if (*p == c)
            return (int)(p - b64);
    return -1;
}

static size_t base64_decode(const char *in, uint8_t *outp, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (; *in && *in != '='; in++) {
        int v = b64_value(*in);
        if (v < 0)
            break;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < cap)
                outp[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

/* ---- configuration: {"key": value, ...} ---- */

typedef struct {
    char name[12];
    double value;
} setting;

static setting settings[12];
static unsigned setting_count;

static setting *setting_find(const char *name, size_t len, int create)
{
    unsigned i;
    for (i = 0; i < setting_count; i++)
        if (strlen(settings[i].name) == len &&
            memcmp(settings[i].name, name, len) == 0)
            return &settings[i];
    if (!create || setting_count == sizeof settings / sizeof settings[0] ||
        len >= sizeof settings[0].name)
        return 0;
    memcpy(settings[setting_count].name, name, len);
    settings[setting_count].name[len] = 0;
    settings[setting_count].value = 0;
    return &settings[setting_count++];
}

static int config_parse(const char *s)
{
    int count = 0;
    s = skip(s);
    if (*s++ != '{')
        return -1;
    for (;;) {
        const char *name;
        size_t len;
        setting *st;
        s = skip(s);
        if (*s == '}')
            return count;
        if (*s++ != '"')
            return -1;
        name = s;
        while (*s && *s != '"')
            s++;
        if (!*s)
            return -1;
        len = (size_t)(s - name);
        s = skip(s + 1);
        if (*s++ != ':')
            return -1;
        st = setting_find(name, len, 1);
        if (!st)
            return -1;
        if (*skip(s) == 't' || *skip(s) == 'f') {
            st->value = *skip(s) == 't';
            s = skip(s);
            while (*s >= 'a' && *s <= 'z')
                s++;
        } else {
            st->value = parse_double(s, &s);
        }
        count++;
        s = skip(s);
        if (*s == ',')
            s++;
        else if (*s != '}')
            return -1;
    }
}

static double setting_get(const char *name, double dflt)
{
    setting *st = setting_find(name, strlen(name), 0);
    return st ? st->value : dflt;
}

/* ---- control: moving average, PID, statistics ---- */

typedef struct {
    double window[8];
    unsigned pos, count;
    double sum;
} average;

static double average_add(average *a, double x)
{
    if (a->count == 8)
        a->sum -= a->window[a->pos];
    else
        a->count++;
    a->window[a->pos] = x;
    a->sum += x;
    a->pos = (a->pos + 1) & 7u;
    return a->sum / a->count;
}

typedef struct {
    double kp, ki, kd, integral, last, lo, hi;
} pid;

static double pid_step(pid *p, double target, double actual, double dt)
{
    double err = target - actual, deriv, outv;
    p->integral += err * dt;
    if (p->integral > p->hi)
        p->integral = p->hi;
    if (p->integral < p->lo)
        p->integral = p->lo;
    deriv = (err - p->last) / dt;
    p->last = err;
    outv = p->kp * err + p->ki * p->integral + p->kd * deriv;
    return outv > p->hi ? p->hi : outv < p->lo ? p->lo : outv;
}

static double square_root(double x)
{
    double r = x > 1 ? x / 2 : 1;
    int i;
    if (x <= 0)
        return 0;
    for (i = 0; i < 20; i++)
        r = (r + x / r) / 2;
    return r;
}

typedef struct {
    unsigned long n;
    double mean, m2, min, max;
} stats;

static void stats_add(stats *s, double x)
{
    double delta = x - s->mean;
    s->n++;
    s->mean += delta / (double)s->n;
    s->m2 += delta * (x - s->mean);
    if (s->n == 1 || x < s->min)
        s->min = x;
    if (s->n == 1 || x > s->max)
        s->max = x;
}

static double stats_sd(const stats *s)
{
    return s->n > 1 ? square_root(s->m2 / (double)(s->n - 1)) : 0;
}

/* ---- timers ---- */

typedef struct {
    uint16_t period, due;
    void (*fn)(void);
} timer;

static average temp_avg;
static stats temp_stats;
static pid heater = {2.0, 0.5, 0.1, 0, 0, 0, 100};
static double heater_out;
static uint16_t now;

static double read_sensor(void)
{
    int raw = UART_STAT << 8 | TIMER;
    return raw * 0.0625 - 40.0;
}

static void task_sample(void)
{
    double t = average_add(&temp_avg, read_sensor());
    stats_add(&temp_stats, t);
    heater_out = pid_step(&heater, setting_get("target", 21.5), t, 0.1);
}

static void task_report(void)
{
    print("t=%.2f sd=%.3f out=%.1f n=%lu\r\n", temp_avg.sum / 8,
          stats_sd(&temp_stats), heater_out, temp_stats.n);
}

static void task_watchdog(void)
{
    FLASH_CMD(0xa5);
}

static timer timers[] = {
    {10, 0, task_sample}, {500, 0, task_report}, {100, 0, task_watchdog}};

static void timers_run(void)
{
    unsigned i;
    now = (uint16_t)(now + TIMER);
    for (i = 0; i < sizeof timers / sizeof timers[0]; i++) {
        if ((int16_t)(now - timers[i].due) >= 0) {
            timers[i].due = (uint16_t)(now + timers[i].period);
            timers[i].fn();
        }
    }
}

/* ---- updates: the fwpack verifier ---- */

static fwpk_ctx update_ctx;

static const fwpk_key keyring[1] = {{
    {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef},
    {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
     0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
     0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a},
    0,
    1,
}};

static fwpk_err flash_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    FLASH_CMD(addr ^ len);
    return FWPK_OK;
}

static fwpk_err flash_write(void *user, uint32_t addr, const uint8_t *data,
                            uint32_t len)
{
    (void)user;
    while (len--)
        FLASH_CMD(addr++ ^ *data++);
    return FWPK_OK;
}

static fwpk_err flash_read(void *user, uint32_t addr, uint8_t *buf,
                           uint32_t len)
{
    (void)user;
    while (len--)
        *buf++ = (uint8_t)(UART_DATA ^ addr++);
    return FWPK_OK;
}

static void cmd_update(const char *arg)
{
    static const fwpk_policy policy = {
        keyring, 1, 1, 0, "app", 0, 0x1000, 0x8000, 0, 0, 0,
    };
    static const fwpk_flash flash = {flash_erase, flash_write, flash_read, 0,
                                     0, 0, 0, 0};
    char line[96];
    uint8_t piece[72];
    fwpk_err err = fwpk_begin(&update_ctx, &policy, &flash);
    (void)arg;
    print("update: send base64 lines, empty line ends\r\n");
    while (err == FWPK_OK && uart_getline(line, sizeof line) > 0) {
        size_t n = base64_decode(line, piece, sizeof piece);
        err = fwpk_feed(&update_ctx, piece, n);
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&update_ctx);
    print("update: %s\r\n", fwpk_strerror(err));
}

/* ---- shell ---- */

static void cmd_help(const char *arg);

static void cmd_set(const char *arg)
{
    int n = config_parse(arg);
    if (n < 0)
        print("bad config\r\n");
    else
        print("%d settings\r\n", n);
}

static void cmd_get(const char *arg)
{
    unsigned i;
    (void)arg;
    for (i = 0; i < setting_count; i++)
        print("%s = %.4f\r\n", settings[i].name, settings[i].value);
}

static void cmd_crc(const char *arg)
{
    uint8_t bin[64];
    size_t n = base64_decode(skip(arg), bin, sizeof bin);
    print("crc32 %08lx over %u bytes\r\n", (unsigned long)crc32(0, bin, n),
          (unsigned)n);
}

static void cmd_dump(const char *arg)
{
    const char *end;
    unsigned long addr = (unsigned long)parse_long(arg, &end);
    long len = parse_long(end, 0);
    char line[80];
    uint8_t row[16];
    char enc[28];
    long i;
    for (i = 0; i < len; i += 16) {
        unsigned j;
        int o;
        for (j = 0; j < 16; j++)
            row[j] = REG8(addr + (unsigned long)i + j);
        o = format(line, sizeof line, "%08lx:", addr + (unsigned long)i);
        for (j = 0; j < 16; j++)
            o += format(line + o, sizeof line - (size_t)o, " %02x", row[j]);
        base64_encode(row, 16, enc);
        print("%s  %s\r\n", line, enc);
    }
}

static void cmd_stats(const char *arg)
{
    (void)arg;
    print("n %lu mean %.3f sd %.3f min %.2f max %.2f\r\n", temp_stats.n,
          temp_stats.mean, stats_sd(&temp_stats), temp_stats.min,
          temp_stats.max);
}

static void cmd_pid(const char *arg)
{
    const char *s = arg;
    heater.kp = parse_double(s, &s);
    heater.ki = parse_double(s, &s);
    heater.kd = parse_double(s, &s);
    heater.integral = 0;
    print("pid %.3f %.3f %.3f\r\n", heater.kp, heater.ki, heater.kd);
}

static const struct {
    const char *name;
    void (*fn)(const char *arg);
    const char *help;
} commands[] = {
    {"help", cmd_help, "this list"},
    {"set", cmd_set, "{\"name\": value, ...}"},
    {"get", cmd_get, "all settings"},
    {"crc", cmd_crc, "BASE64: CRC-32 of the bytes"},
    {"dump", cmd_dump, "ADDR LEN: hex and base64"},
    {"stats", cmd_stats, "temperature statistics"},
    {"pid", cmd_pid, "KP KI KD"},
    {"update", cmd_update, "install an fwpack container"},
};

static void cmd_help(const char *arg)
{
    unsigned i;
    (void)arg;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        print("%s  %s\r\n", commands[i].name, commands[i].help);
}

static void shell_line(const char *line)
{
    unsigned i;
    line = skip(line);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        size_t n = strlen(commands[i].name);
        if (memcmp(line, commands[i].name, n) == 0 &&
            (line[n] == 0 || is_space(line[n]))) {
            commands[i].fn(line + n);
            return;
        }
    }
    if (*line)
        print("unknown command: %s\r\n", line);
}

int main(void);
int main(void)
{
    char line[96];
    crc_init();
    print("sensor node, build %s\r\n", __DATE__);
    for (;;) {
        timers_run();
        uart_puts("> ");
        if (uart_getline(line, sizeof line) > 0)
            shell_line(line);
    }
}
