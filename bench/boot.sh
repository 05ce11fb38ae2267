#!/bin/sh
# boot.sh - figures of the QEMU bootloader example (examples/cortex-m): what
# it costs in flash and RAM (make size) and in instructions per update
# (make bench).  The verifier alone is measured by bench/size.sh and
# bench/emu/run.sh; these are the figures of a whole bootloader that links
# it: verifier + flash model + state area + newlib-nano stdio/semihosting.
#
#   sh bench/boot.sh size  [DIR]    flash and RAM from the ELF and its map,
#                                   stack and heap from one update in QEMU
#   sh bench/boot.sh bench [DIR]    instructions per update, per image byte,
#                                   the copy, a resumed update
#
# DIR (default build/bench-boot) holds the builds (examples/demo.sh prepare
# with DEMO_DIR=DIR/demo CM_OUT=DIR/cortex-m) and the QEMU logs.  The
# signing key DIR/key.pem is made once and kept, so with SOURCE_DATE_EPOCH
# fixed (demo.sh) the container, and every figure, only changes with the
# code.  Needs FWPACK (default build/host/fwpack), arm-none-eabi-gcc and,
# for everything but the ELF sizes, qemu-system-arm.  Figures only: exits 0
# whenever the tools are missing (with a note), 1 if a run went wrong.
#
# Instruction counts: QEMU -icount shift=0, timer0 (exact to 40
# instructions, see docs/porting.md section 7); instructions, not cycles.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
what=${1:-}
B=${2:-build/bench-boot}
FWPACK=${FWPACK:-build/host/fwpack}
export FWPACK DEMO_DIR="$B/demo" CM_OUT="$B/cortex-m"
ELF=$CM_OUT/boot.elf
ARCH="Cortex-M3, arm-none-eabi-gcc -Os, newlib-nano"

case $what in size | bench) ;; *)
    echo "usage: $0 size|bench [DIR]" >&2
    exit 2 ;;
esac

note() { echo "# bootloader: $*"; }
if [ ! -x "$FWPACK" ]; then
    note "$FWPACK not built (run make): skipped"
    exit 0
fi
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    note "arm-none-eabi-gcc not installed (make deps): skipped"
    exit 0
fi
have_qemu=1
command -v qemu-system-arm >/dev/null 2>&1 || have_qemu=0

mkdir -p "$B"
[ -s "$B/key.pem" ] || "$FWPACK" keygen -o "$B/key.pem" >/dev/null || exit 1
if ! DEMO_KEY="$B/key.pem" examples/demo.sh prepare >"$B/prepare.log" 2>&1; then
    echo "ERROR bootloader: examples/demo.sh prepare failed, see $B/prepare.log" >&2
    exit 1
fi

# boot NAME ARGS...: one QEMU run, output to $B/NAME.log
boot() {
    name=$1
    shift
    if ! examples/demo.sh boot "$@" >"$B/$name.log" 2>&1; then
        echo "ERROR bootloader: run $name failed, see $B/$name.log" >&2
        exit 1
    fi
}
# val LOG NAME: NAME=N from the last line of LOG that has it
val() { sed -n "s/^fwboot: .*[ :]$2=\([0-9]*\).*/\1/p" "$B/$1.log" | tail -n 1; }
calc() { awk "BEGIN { $1 }"; }
line() { printf "%-30s %10s %-10s %s\n" "$1" "$2" "$3" "$4"; }

image=$(wc -c <"$CM_OUT/app_v2.bin" | tr -d ' ')
box=$(wc -c <"$DEMO_DIR/app_v2.fwpk" | tr -d ' ')

if [ "$what" = size ]; then
    # Input sections per component from the linker map; the newlib part is
    # the rest of the section (also fill and merged strings).
    comp=$(awk '
    function hex(s,  i, v) { s = tolower(s); sub(/^0x/, "", s); v = 0
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v }
    function comp(f) {
        if (f ~ /\/boot\/verifier\//) return "verifier"
        if (f ~ /\/boot\/(boot|flash_model)\.o$/ || f ~ /\/boot\/abboot\//) return "boot"
        if (f ~ /\/boot\/common\//) return "startup"
        return "libc" }
    function add(sz, f) { if (out != "") tot[out "_" comp(f)] += hex(sz) }
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    /^[.][A-Za-z_]/ { split($0, a, " "); out = (a[1] == ".text" || a[1] == ".data" || a[1] == ".bss") ? substr(a[1], 2) : ""; next }
    /^ [.A-Z]/ && NF == 1 { pend = 1; next }
    pend && /^ +0x/ { pend = 0; if (NF >= 3) add($2, $3); next }
    { pend = 0 }
    /^ [.A-Z][^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]/ { add($3, $4) }
    END { for (k in tot) printf "%s=%d\n", k, tot[k] }' "$CM_OUT/boot.map")
    eval "$comp"
    # shellcheck disable=SC2046
    set -- $(arm-none-eabi-size "$ELF" | awk 'NR == 2 { print $1, $2, $3 }')
    text=$1 data=$2 bss=$3
    ctx=$(arm-none-eabi-nm -S "$ELF" | awk '$4 == "ctx" { print $2 }')
    piece=$(arm-none-eabi-nm -S "$ELF" | awk '$4 == "piece" { print $2 }')
    ctx=$(printf '%d' "0x${ctx:-0}")
    piece=$(printf '%d' "0x${piece:-0}")
    echo "# make size: the QEMU bootloader example, $ELF ($ARCH); bytes"
    line boot.flash "$((text + data))" bytes ".text+.rodata+.data (arm-none-eabi-size text+data)"
    line boot.flash.verifier "${text_verifier:-0}" bytes "verifier/src, after --gc-sections"
    line boot.flash.bootloader "$((${text_boot:-0} + ${data_boot:-0}))" bytes "boot.c, flash_model.c, examples/abboot"
    line boot.flash.runtime "$((text + data - ${text_verifier:-0} - ${text_boot:-0} - ${data_boot:-0}))" bytes "startup, semihosting, newlib-nano printf/stdio, libgcc"
    line boot.ram "$((data + bss))" bytes ".data+.bss (arm-none-eabi-size data+bss)"
    line boot.ram.ctx "$ctx" bytes "fwpk_ctx (window 2^15, frames <= 4096)"
    line boot.ram.piece "$piece" bytes "container read buffer (dfu.get piece)"
    if [ "$have_qemu" = 1 ]; then
        boot size-run "$DEMO_DIR/app_v2.fwpk"
        line boot.ram.stack "$(val size-run stack)" bytes "stack high-water mark, one whole update in QEMU (painted)"
        line boot.ram.heap "$(val size-run heap)" bytes "newlib heap (stdio buffers, malloc)"
        line boot.ram.total "$((data + bss + $(val size-run stack) + $(val size-run heap)))" bytes ".data+.bss+stack+heap"
    else
        note "qemu-system-arm not installed: stack and heap not measured"
    fi
    exit 0
fi

# ---- bench --------------------------------------------------------------------------
if [ "$have_qemu" = 0 ]; then
    note "qemu-system-arm not installed (make deps): skipped"
    exit 0
fi
boot good "$DEMO_DIR/app_v2.fwpk"
upd=$(val good verify_insns)
copy=$(val good copy_insns)
ops=$(val good update)
recs=$(val good resume_records)
[ -n "$upd" ] && [ -n "$copy" ] && [ -n "$ops" ] || {
    echo "ERROR bootloader: no figures in $B/good.log" >&2
    exit 1
}
boot powercut --cut $((ops / 2)) "$DEMO_DIR/app_v2.fwpk" "$DEMO_DIR/app_v2.fwpk"
res=$(val powercut verify_insns)
read_again=$(val powercut container_bytes)
frame=$(sed -n 's/^fwboot: resuming at frame \([0-9]*\).*/\1/p' "$B/powercut.log")
[ -n "$res" ] && [ -n "$frame" ] || {
    echo "ERROR bootloader: the power-cut run did not resume, see $B/powercut.log" >&2
    exit 1
}
echo "# bootloader (examples/cortex-m, $ARCH) in QEMU mps2-an385: one update of"
echo "# a $image-byte image from a $box-byte container (window 2^15, 4 KiB frames),"
echo "# every resume record persisted ($recs); instructions, exact to 40"
line boot.cm3.update "$upd" insns "verify + write staging + $recs resume records (fwpk_begin/feed/finish)"
line boot.cm3.update_per_image_byte "$(calc "printf \"%.1f\", $upd / $image")" insns/B "of image ($(calc "printf \"%.1f\", $upd / $box") per container byte)"
line boot.cm3.commit "$copy" insns "staging digest check, copy-pending record, staging -> active copy, active digest check, idle record"
line boot.cm3.total "$((upd + copy))" insns "$(calc "printf \"%.1f\", ($upd + $copy) / $image") per image byte"
line boot.cm3.resumed "$res" insns "after a power cut half way: resumed at frame $frame, read $read_again of $box bytes"
exit 0
