# mapsize.awk - flash and RAM per component from an avr-ld map file
# (-Wl,-Map): code (.text*, .progmem*, .bootspm: flash only), const data
# (.rodata*, .data*: avr-gcc keeps them in RAM, copied from flash at reset,
# so they cost both) and .bss (RAM only), summed per input file.
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
function add(name, size, file,    c, n) {
    n = hex(size)
    if (n == 0) return
    c = component(file)
    if (!(c in seen)) { seen[c] = 1; order[++count] = c }
    if (name ~ /^\.(text|progmem|bootspm|init|fini|vectors|trampolines|ctors|dtors|jumptables|lowtext|hightext)/) code[c] += n
    else if (name ~ /^\.(rodata|data)/) data[c] += n
    else if (name ~ /^(\.bss|COMMON|\.noinit)/) bss[c] += n
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
    printf "%-26s %7s %7s %7s\n", "component", "code", "const", "bss"
    for (i = 1; i <= count; i++) {
        c = order[i]
        printf "%-26s %7d %7d %7d\n", c, code[c], data[c], bss[c]
        tc += code[c]; td += data[c]; tb += bss[c]
        if (c ~ /^(ed25519|sha512|inflate|manifest|stream|filter|strerror)$/) {
            vc += code[c]; vd += data[c]; vb += bss[c]
        }
        if (c ~ /^(abboot|promote|state)$/) {
            ac += code[c]; ad += data[c]; ab += bss[c]
        }
    }
    printf "%-26s %7d %7d %7d\n", "verifier (verifier/src)", vc, vd, vb
    printf "%-26s %7d %7d %7d\n", "A/B logic (examples/abboot)", ac, ad, ab
    printf "%-26s %7d %7d %7d\n", "total", tc, td, tb
    printf "flash = code + const = %d bytes; RAM = const + bss = %d bytes, plus the stack\n", tc + td, td + tb
}
