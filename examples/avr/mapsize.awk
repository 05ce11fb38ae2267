# mapsize.awk - flash and RAM per component from an avr-ld map file
# (-Wl,-Map): code (.text*, .progmem*, .bootspm: flash only), const data
# (.rodata*, .data*: avr-gcc keeps them in RAM, copied from flash at reset,
# so they cost both) and .bss (RAM only), summed per input file, then per
# group: the verifier (verifier/src) and the A/B logic (examples/abboot).
#   awk -f mapsize.awk boot.map
function component(f) {
    if (f ~ /libgcc\.a/) return "libgcc"
    if (f ~ /libc\.a/) return "avr-libc"
    if (f ~ /crt[^\/]*\.o$/) return "crt (startup, vectors)"
    sub(/.*\//, "", f)
    sub(/\.o$/, "", f)
    return f
}
function hex(s,    i, n) {
    n = 0
    s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++)
        n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return n
}
# The groups: the verifier's and the A/B logic's objects, by their path.
function group(f) {
    if (f ~ /\/verifier\/[^\/]*\.o$/) return "verifier (verifier/src)"
    if (f ~ /\/abboot\/[^\/]*\.o$/) return "A/B logic (examples/abboot)"
    return ""
}
function add(name, size, file,    c, g, n, k) {
    n = hex(size)
    if (n == 0) return
    c = component(file)
    g = group(file)
    if (!(c in seen)) { seen[c] = 1; order[++count] = c }
    if (g != "" && !(g in gseen)) { gseen[g] = 1; gorder[++gcount] = g }
    if (name ~ /^\.(text|progmem|bootspm|init|fini|vectors|trampolines|ctors|dtors|jumptables|lowtext|hightext)/) k = "code"
    else if (name ~ /^\.(rodata|data)/) k = "data"
    else if (name ~ /^(\.bss|COMMON|\.noinit)/) k = "bss"
    else return
    sum[c, k] += n
    if (g != "") sum[g, k] += n
}
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^ [.A-Za-z_][^ ]*$/ { pend = $1; next }
{
    if (/^ / && $1 ~ /^[.A-Z]/ && $2 ~ /^0x/ && $3 ~ /^0x/ && NF >= 4) add($1, $3, $4)
    else if (pend != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3) add(pend, $2, $3)
    pend = ""
}
END {
    printf "%-28s %7s %7s %7s\n", "component", "code", "const", "bss"
    for (i = 1; i <= count; i++) {
        c = order[i]
        printf "%-28s %7d %7d %7d\n", c, sum[c, "code"], sum[c, "data"], sum[c, "bss"]
        tc += sum[c, "code"]; td += sum[c, "data"]; tb += sum[c, "bss"]
    }
    for (i = 1; i <= gcount; i++) {
        g = gorder[i]
        printf "%-28s %7d %7d %7d\n", g, sum[g, "code"], sum[g, "data"], sum[g, "bss"]
    }
    printf "%-28s %7d %7d %7d\n", "total", tc, td, tb
    printf "flash = code + const = %d bytes; RAM = const + bss = %d bytes, plus the stack\n", tc + td, td + tb
}
