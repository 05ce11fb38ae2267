#!/bin/sh
# run.sh - the emulated benchmark figures of the device verifier (issue 5,
# make bench): Cortex-M3 (QEMU mps2-an385) and Cortex-M0 (QEMU microbit)
# instruction counts under -icount shift=0, ATmega328P cycle counts under
# simavr.  Builds with mk/bench-emu.mk unless --no-build.
#
#   bench/emu/run.sh [--no-build] [BUILD_DIR]      (default build/bench-emu)
#
# Prints one line per figure:
#
#   FIGURE VALUE UNIT  budget BUDGET  reference REFS  STATUS
#
# STATUS is ok or OVER against BUDGET, "-" where the issue sets no budget.
# Figures only: over budget is never an error.  The exit status is 1 only
# when a program did not run to the end or got a wrong result (FAIL lines),
# i.e. the figures cannot be trusted.  Every emulator run has a timeout
# (BENCH_EMU_TIMEOUT seconds, default 120).  Raw outputs stay in
# BUILD_DIR/*/run.out.
#
# How the figures are made (details in bench_verify.c, bench_avr.c and
# mk/bench-emu.mk):
#   cm3.*  mps2-an385, code -mcpu=cortex-m3 -Os; timer0 ticks once per 40
#          instructions (calibrated in every run)
#   cm0.*  microbit (nRF51822, a Cortex-M0), code -mcpu=cortex-m0plus -Os
#          (same ARMv6-M instructions); nRF51 TIMER0 at 16 MHz ticks once per
#          62.5 instructions (calibrated in every run); instruction counts
#          are cycle counts at 1 IPC
#   avr.*  simavr, Timer1 at clk/1 counts cycles; run on the atmega328p when
#          its build fits in 2 KB of RAM, else on the atmega1284p (same AVR
#          core and instruction timings, 16 KB RAM)
#   *.inflate_push  the resumable decoder (inflate.h) on the same stream,
#          through a flash-backed window (a small ring; older history read
#          from the image as memory-mapped flash) and through a RAM window
#   *.hash_inflate  a whole container's cost per image byte without its one
#          Ed25519 verify (measured alone on the same signature, same run):
#          frame hashes, inflate, inverse filter, image hash, flash writes
#   *.nc_rx_*  the Notecard client's receive path per container byte:
#          scanner + base64 + MD5 (dfu.get), COBS + MD5 (card.binary.get)
#   *.resume_*  the same container resumed from the record at the middle of
#          the image (a power cut there): the whole resumed run, and its
#          part up to the resume point (signature, image read back)
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
build=1
if [ "${1:-}" = --no-build ]; then
    build=0
    shift
fi
E=${1:-build/bench-emu}
T=${BENCH_EMU_TIMEOUT:-120}

if [ "$build" = 1 ]; then
    make --no-print-directory -s -f mk/bench-emu.mk BUILD="$(dirname "$E")" \
        bench-emu-build
fi

# ---- run the emulators (in parallel) ----------------------------------------------
# run NAME CMD...: output to $E/NAME/run.out, exit status to $E/NAME/run.rc
run() {
    name=$1
    shift
    mkdir -p "$E/$name"
    if command -v "$1" >/dev/null 2>&1; then
        rc=0
        timeout "$T" "$@" </dev/null >"$E/$name/run.out" 2>&1 || rc=$?
    else
        echo "$1 not found" >"$E/$name/run.out"
        rc=127
    fi
    echo "$rc" >"$E/$name/run.rc"
}
QEMU_FLAGS="-nographic -monitor none -serial null -semihosting -icount shift=0"
# shellcheck disable=SC2086
run m3 qemu-system-arm -M mps2-an385 $QEMU_FLAGS -kernel "$E/m3/bench.elf" &
# shellcheck disable=SC2086
run m0 qemu-system-arm -M microbit $QEMU_FLAGS -kernel "$E/m0/bench.elf" &
run avr-atmega1284p simavr -m atmega1284p -f 16000000 "$E/avr-atmega1284p/bench.elf" &
wait

# simavr colours each UART line and shows the newline as '.'.
clean_avr() {
    sed 's/\x1b\[[0-9;]*m//g; s/\.$//' "$1/run.out" >"$1/run.txt"
}
clean_avr "$E/avr-atmega1284p"
cp "$E/m3/run.out" "$E/m3/run.txt"
cp "$E/m0/run.out" "$E/m0/run.txt"

# v DIR NAME: the value of "R NAME VALUE" in DIR/run.txt, or empty
v() { awk -v n="$2" '$1 == "R" && $2 == n { print $3; exit }' "$1/run.txt"; }

# ---- the atmega328p: run it only if it fits ------------------------------------
A=$E/avr-atmega1284p
A328=$E/avr-atmega328p
# shellcheck disable=SC2046
set -- $(avr-size "$A328/bench.elf" | awk 'NR == 2 { print $1, $2, $3 }')
avr328_text=$1 avr328_data=$2 avr328_bss=$3
avr328_static=$((avr328_data + avr328_bss))
need=$(awk -v s="$avr328_static" -v a="$(v "$A" verify_depth)" \
    -v b="$(v "$A" verify_stack)" -v c="$(v "$A" sha512_depth)" \
    -v d="$(v "$A" sha512_stack)" -v e="$(v "$A" inflate_depth)" \
    -v f="$(v "$A" inflate_stack)" 'BEGIN {
        m = a + b; if (c + d > m) m = c + d; if (e + f > m) m = e + f
        print s + m }')
avr_src=$A
avr_core=atmega1284p
if [ "$need" -le 2048 ] && [ ! -s "$A328/link.log" ]; then
    run avr-atmega328p simavr -m atmega328p -f 16000000 "$A328/bench.elf"
    clean_avr "$A328"
    avr_src=$A328
    avr_core=atmega328p
fi

# ---- figures -----------------------------------------------------------------------
# fig NAME VALUE UNIT BUDGET REFS: BUDGET is "-", "<=N" or ">=N"
fig() {
    awk -v name="$1" -v val="$2" -v unit="$3" -v budget="$4" -v refs="$5" 'BEGIN {
        st = "-"
        if (val == "") { val = "?"; st = "FAIL" }
        else if (budget ~ /^<=/) st = (val + 0 <= substr(budget, 3) + 0) ? "ok" : "OVER"
        else if (budget ~ /^>=/) st = (val + 0 >= substr(budget, 3) + 0) ? "ok" : "OVER"
        printf "%-28s %10s %-8s  budget %-7s  reference %s  %s\n", name, val, unit, budget, refs, st
    }'
}
# calc AWK-STATEMENT NAME=VALUE...: runs the statement with the variables
# set; prints nothing if a value is missing or not a number.
calc() {
    expr=$1
    shift
    for a in "$@"; do
        case ${a#*=} in '' | *[!0-9.-]*) return 0 ;; esac
    done
    awk "BEGIN { $(printf '%s; ' "$@") $expr }"
}

# kib DIR NAME: the value in KiB, or empty
kib() { calc 'print int(x / 1024)' x="$(v "$1" "$2")"; }

REF_V3="MCUboot fiat 1.31 M; Monocypher 1.69 M; TweetNaCl 61.9 M"
REF_V0="fiat 12.4 M; Monocypher 16.6 M; TweetNaCl 211 M"
REF_INF="zlib 22-43; tinf 81-88; uzlib 128-133"
REF_STACK="Monocypher 1.9 KB; TweetNaCl 4.1 KB"
REF_RAM="Monocypher stack 1.9 KB; TweetNaCl 4.1 KB"
REF_THRU="STM32G0 programs ~32 KB/s incl. erase; budget 4x that at 64 MHz, 1 IPC"

cm() { # cm PREFIX DIR VERIFY_BUDGET VERIFY_REFS INFLATE_BUDGET THRU_BUDGET IMAGE_LABEL
    p=$1 d=$2
    fig "$p.ed25519_verify" "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$d" verify_insns)")" \
        Minsn "$3" "$4"
    fig "$p.ed25519_verify_stack" "$(v "$d" verify_stack)" B - "$REF_STACK"
    fig "$p.sha512" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" sha512_insns)" \
        n="$(v "$d" sha512_bytes)")" insn/B - \
        "per input byte, $(kib "$d" sha512_bytes) KB"
    fig "$p.inflate" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" inflate_insns)" \
        n="$(v "$d" inflate_out_bytes)")" insn/B "$5" \
        "$REF_INF (per output byte, $(kib "$d" inflate_out_bytes) KB, window $(kib "$d" inflate_window) KB)"
    fig "$p.inflate_stack" "$(v "$d" inflate_stack)" B - -
    fig "$p.inflate_push" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" push_insns)" \
        n="$(v "$d" push_out_bytes)")" insn/B - \
        "resumable decoder, flash-backed: $(v "$d" push_ring) B ring, older history from memory-mapped flash ($(v "$d" push_far_reads) reads)"
    fig "$p.inflate_push_ram" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" push_ram_insns)" \
        n="$(v "$d" push_out_bytes)")" insn/B - \
        "resumable decoder, RAM window $(kib "$d" inflate_window) KB"
    fig "$p.inflate_push_stack" "$(v "$d" push_stack)" B - -
    fig "$p.inflate_state" "$(v "$d" push_state_bytes)" B - "sizeof(fwpk_inflate), tables included"
    fig "$p.container_$7" "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$d" container_insns)")" \
        Minsn - "begin/feed/finish, $(v "$d" container_bytes) B container, $(v "$d" container_image_bytes) B image"
    fig "$p.container_per_byte" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" container_insns)" \
        n="$(v "$d" container_image_bytes)")" insn/B - "per image byte, one Ed25519 verify included"
    hi=$(calc 'printf("%.1f", (x - y) / n)' x="$(v "$d" container_insns)" \
        y="$(v "$d" container_verify_insns)" n="$(v "$d" container_image_bytes)")
    if [ "$6" = - ]; then
        fig "$p.hash_inflate" "$hi" insn/B - "per image byte, without the verify (budget is for the M0+)"
    else
        fig "$p.hash_inflate" "$hi" insn/B "$6" "per image byte, without the verify; $REF_THRU"
        fig "$p.hash_inflate_64MHz" "$(calc 'printf("%.1f", 64e6 / x / 1000)' x="$hi")" \
            KB/s ">=128" "$REF_THRU"
    fi
    fig "$p.container_stack" "$(v "$d" container_stack)" B - -
    fig "$p.nc_rx_base64" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" nc_rx_base64_insns)" \
        n="$(v "$d" nc_rx_bytes)")" insn/B - \
        "Notecard client: dfu.get replies scanned, base64, MD5, per container byte ($(v "$d" nc_rx_piece) B pieces)"
    fig "$p.nc_rx_cobs" "$(calc 'printf("%.1f", x / n)' x="$(v "$d" nc_rx_cobs_insns)" \
        n="$(v "$d" nc_rx_bytes)")" insn/B - \
        "Notecard client: card.binary.get pieces, COBS, MD5, per container byte"
    fig "$p.resume_mid" "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$d" resume_insns)")" \
        Minsn - "resumed at $(v "$d" resume_flushed) B of $(v "$d" container_image_bytes) B, begin/feed/finish, one Ed25519 verify"
    fig "$p.resume_mid_vs_full" "$(calc 'printf("%.0f", 100 * x / y)' x="$(v "$d" resume_insns)" \
        y="$(v "$d" container_insns)")" % - "of the whole container from scratch"
    fig "$p.resume_setup" "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$d" resume_setup_insns)")" \
        Minsn - "to the resume point: verify, $(v "$d" resume_replayed) B read back into the image hash and window"
    fig "$p.resume_readback" "$(calc 'printf("%.1f", (x - y) / n)' x="$(v "$d" resume_setup_insns)" \
        y="$(v "$d" container_verify_insns)" n="$(v "$d" resume_replayed)")" insn/B - \
        "per byte read back, without the verify"
    fig "$p.resume_compared" "$(v "$d" resume_compared)" B - \
        "of the record's frame, compared with flash before they are skipped (issue 21)"
    fig "$p.resume_stack" "$(v "$d" resume_stack)" B - -
    fig "$p.ram_beyond_buffers" "$(calc 'print x - w - b + s' x="$(v "$d" ctx_bytes)" \
        w="$(v "$d" ctx_window_bytes)" b="$(v "$d" ctx_buf_bytes)" \
        s="$(v "$d" container_stack)")" B "<=3072" \
        "ctx $(v "$d" ctx_bytes) B - window - frame buffer + container stack; $REF_RAM"
}

# mapsum MAP: "VTEXT VDATA VBSS RTEXT" - input sections of the verifier's
# objects in .text, .data (AVR: its constant tables) and .bss, and of the
# runtime helpers it pulls in (libgcc, except startup; mem* from libc).
mapsum() {
    awk '
    function hex(s,   i, r) {
        s = tolower(s); sub(/^0x/, "", s); r = 0
        for (i = 1; i <= length(s); i++) r = r * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return r
    }
    function add(size, file) {
        if (file ~ /\/verifier\/[^\/]*\.o$/) {
            if (out == ".text") vt += hex(size)
            else if (out == ".data") vd += hex(size)
            else if (out == ".bss") vb += hex(size)
        } else if (out == ".text" && ((file ~ /libgcc\.a\(/ && file !~ /_(copy_data|clear_bss|exit)\.o/) ||
                                      file ~ /libc\.a\((memcpy|memset|memcmp|memmove)\.o\)/))
            rt += hex(size)
    }
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    /^[^ ]/ { out = $1; pend = 0; next }
    NF == 1 && $1 ~ /^\./ { pend = 1; next }
    pend && NF == 3 && $1 ~ /^0x/ { add($2, $3); pend = 0; next }
    NF >= 4 && $1 ~ /^[.A-Z]/ && $2 ~ /^0x/ && $3 ~ /^0x/ { add($3, $4) }
    { pend = 0 }
    END { printf "%d %d %d %d\n", vt, vd, vb, rt }' "$1"
}

echo "== bench-emu: figures of the device verifier under emulation (issue 5)"
for d in m3 m0; do
    echo "# $d: $(head -1 "$E/$d/run.txt")"
    echo "# $d: calibration $(v "$E/$d" calib_loop_insns) instructions = $(v "$E/$d" calib_loop_ticks) ticks (x $(calc 'printf("%.1f", x / 1000)' x="$(v "$E/$d" calib_insns_per_tick_x1000)") instructions per tick)"
done
cm cm3 "$E/m3" "<=2.5" "$REF_V3" "<=40" - 256k
cm cm0 "$E/m0" "<=20" "$REF_V0" - "<=500" 64k

echo "# avr: measured on the $avr_core; the atmega328p build needs $need B of RAM (.data $avr328_data + .bss $avr328_bss + deepest stack), it has 2048"
echo "# avr: calibration $(v "$avr_src" calib_loop_cycles) cycles = $(v "$avr_src" calib_loop_ticks) Timer1 counts (overflow interrupts included)"
fig avr.ed25519_verify "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$avr_src" verify_cycles)")" \
    Mcycle "<=300" "issue 15, size first: the atmega328p switches (Ed25519 on bytes in loops, SHA-512 on bytes, small inflate); issue 5 asked <=150 of the speed build"
fig avr.ed25519_verify_stack "$(v "$avr_src" verify_stack)" B - "$REF_STACK"
fig avr.sha512 "$(calc 'printf("%.0f", x / n)' x="$(v "$avr_src" sha512_cycles)" \
    n="$(v "$avr_src" sha512_bytes)")" cycle/B - "per input byte, $(v "$avr_src" sha512_bytes) B"
fig avr.inflate "$(calc 'printf("%.0f", x / n)' x="$(v "$avr_src" inflate_cycles)" \
    n="$(v "$avr_src" inflate_out_bytes)")" cycle/B - \
    "per output byte, $(v "$avr_src" inflate_out_bytes) B, window $(v "$avr_src" inflate_window) B"
fig avr.inflate_stack "$(v "$avr_src" inflate_stack)" B - -
fig avr.container_8k "$(calc 'printf("%.2f", x / 1e6)' x="$(v "$A" container_cycles)")" \
    Mcycle - "atmega1284p: begin/feed/finish, $(v "$A" container_bytes) B container, $(v "$A" container_image_bytes) B image"
fig avr.hash_inflate "$(calc 'printf("%.0f", (x - y) / n)' x="$(v "$A" container_cycles)" \
    y="$(v "$A" container_verify_cycles)" n="$(v "$A" container_image_bytes)")" cycle/B - \
    "per image byte, without the verify"
fig avr.container_stack "$(v "$A" container_stack)" B - -
# shellcheck disable=SC2046
set -- $(mapsum "$A/bench.map")
fig avr.flash_verifier "$(calc 'print a + b + c' a="$1" b="$2" c="$4")" B "<=16384" \
    "everything linked (atmega1284p build): code $1 + const tables $2 + libgcc/mem* $4"
all_vdata=$2 all_vbss=$3
# shellcheck disable=SC2046
set -- $(mapsum "$A328/bench.map")
fig avr.flash_verify_sha_inflate "$(calc 'print a + b + c' a="$1" b="$2" c="$4")" B - \
    "atmega328p build: code $1 + const tables $2 + libgcc/mem* $4"
fig avr.flash_program "$((avr328_text + avr328_data))" B "<=32768" \
    "atmega328p build .text + .data, harness and test data included"
fig avr.ram_const_tables "$all_vdata" B - "verifier const data avr-gcc puts in RAM (.data)"
fig avr.ram_verifier "$(calc 'print a + b + c + d' a="$all_vdata" b="$all_vbss" \
    c="$(v "$A" ctx_bytes)" d="$(v "$A" container_stack)")" \
    B "<=1536" "const tables $all_vdata + ctx $(v "$A" ctx_bytes) + container stack $(v "$A" container_stack)"
fig avr.ram_atmega328p "$need" B "<=2048" \
    "atmega328p build: .data + .bss + deepest stack (verify, sha512, inflate)"

# ---- failures ----------------------------------------------------------------------
bad=0
for d in m3 m0 avr-atmega1284p avr-atmega328p; do
    [ -f "$E/$d/run.rc" ] || continue
    [ "$d" = avr-atmega328p ] && [ "$avr_src" != "$A328" ] && continue
    rc=$(cat "$E/$d/run.rc")
    if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
        [ "$rc" = 124 ] && why="timed out after $T s" || why="exit status $rc"
        echo "ERROR $d: the run failed ($why); output in $E/$d/run.out" >&2
        bad=1
    fi
    if grep -q '^FAIL' "$E/$d/run.txt" || [ "$(v "$E/$d" failed)" != 0 ]; then
        grep '^FAIL' "$E/$d/run.txt" | sed "s|^|ERROR $d: |" >&2 || true
        echo "ERROR $d: wrong results or incomplete run; output in $E/$d/run.out" >&2
        bad=1
    fi
done
exit "$bad"
