#!/bin/sh
# demo.sh - a Cortex-M0 with 8 KiB of RAM updated from a Notecard, end to
# end: the bootloader (examples/microbit) on QEMU's micro:bit reads each
# container over its UART from the Notecard emulator (fwpack notecard),
# with dfu.status / hub.set / dfu.get as a real Notecard answers them.
#
#   FWPACK=build/host/fwpack examples/microbit/demo.sh       # everything
#   FWPACK=... examples/microbit/demo.sh prepare             # keys, builds, containers
#   examples/microbit/demo.sh scenario NAME                  # one scenario (after prepare)
#
# Environment: FWPACK (default build/host/fwpack), MB_DEMO_DIR (keys,
# containers, logs; default build/demo-microbit), MB_OUT (builds; default
# build/microbit), DEMO_KEY (a signing key to use instead of a new one).
#
# Scenarios, each from a new device's flash (v1 in the active slot):
#   good       v2 served: installed, v2 boots
#   tampered   v2 with one bit flipped in a frame: refused, v1 boots
#   untrusted  v2 signed by a key the device does not know: refused
#              before anything is erased, v1 boots
#   rollback   v2 installed, then v1 served: refused (security counter),
#              v2 boots
#   powercut   power lost half way through writing v2 (the flash
#              operation in the middle of the good run's): the CPU stops,
#              QEMU is killed with the flash saved; at the next power-on
#              the bootloader resumes from its record, asking the Notecard
#              for the prefix again and then for the frame the record
#              names; v2 installed, the same image as the good run's
#   powerkill  QEMU stopped and killed at whatever instruction the CPU
#              is at once the second resume record is written (the flash
#              saved as it is then); the next power-on resumes.  The
#              killed run's wire bytes are not in its summary (the device
#              could not report them)
#   garbled    the emulator garbles, truncates, flips a bit in, shortens,
#              breaks the base64 of, answers with an error or does not
#              answer a dfu.get, and resets (out of DFU mode), one fault
#              per request from the 4th dfu.get on: each retried at the
#              same offset, v2 installed
#   newimage   a new image (v3) appears on the Notecard mid-download: the
#              client notices, the record is retired, the update starts
#              over and installs v3
#   binary     v2 through dfu.get binary:true and card.binary.get (COBS
#              bytes instead of base64): fewer bytes over the wire
# The summary gives per scenario the bytes over the wire (both ways, JSON
# and base64 included), requests, retries, the time those bytes take at
# 9600 baud 8-N-1 (10 bits a byte), the verifier's time on a 48 MHz
# Cortex-M0 (its instructions counted in QEMU, one per cycle: a lower
# bound), and which of the two is the bottleneck.  Exits non-zero if an
# outcome differs.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FWPACK=${FWPACK:-build/host/fwpack}
MB_DEMO_DIR=${MB_DEMO_DIR:-build/demo-microbit}
MB_OUT=${MB_OUT:-build/microbit}
RUN=examples/microbit/run.sh
D=$MB_DEMO_DIR
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

die() { echo "microbit demo: $*" >&2; exit 1; }
show() { echo "\$ $*"; "$@"; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found ($2)"; }

mb_make() {
    make --no-print-directory -s -C examples/microbit O="$MB_OUT" \
        FWPACK="$FWPACK" KEY="$D/key.pem" "$@"
}
config() { eval "$(mb_make print-config)"; }

. examples/container.sh

prepare() {
    [ -x "$FWPACK" ] || die "$FWPACK not built (run make, or set FWPACK)"
    need arm-none-eabi-gcc "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
    need qemu-system-arm "apt-get install qemu-system-arm"
    need socat "apt-get install socat"
    rm -rf "$D"
    mkdir -p "$D"
    if [ -n "${DEMO_KEY:-}" ]; then
        cp "$DEMO_KEY" "$D/key.pem"
        chmod 600 "$D/key.pem"
    else
        "$FWPACK" keygen -o "$D/key.pem"
    fi
    "$FWPACK" keygen -o "$D/untrusted.pem"
    mb_make all
    config
    echo "bootloader: $MB_OUT/boot.elf; applications v1 (in flash), v2, v3"
    mb_make size
    set -- --mcu "$MB_MCU" --target app --flash-base "$MB_STAGING" \
        --flash-size "$MB_SLOT_SIZE" --load-addr "$MB_STAGING"
    show "$FWPACK" pack -k "$D/key.pem" "$@" --version 2.0.0 \
        --security-counter 2 "$MB_OUT/app_v2.bin" -o "$D/app_v2.fwpk"
    "$FWPACK" pack -k "$D/key.pem" "$@" --version 3.0.0 \
        --security-counter 3 "$MB_OUT/app_v3.bin" -o "$D/app_v3.fwpk"
    "$FWPACK" pack -k "$D/key.pem" "$@" --version 1.0.0 \
        --security-counter 1 "$MB_OUT/app_v1.bin" -o "$D/app_v1.fwpk"
    "$FWPACK" pack -k "$D/untrusted.pem" "$@" --version 2.0.0 \
        --security-counter 2 "$MB_OUT/app_v2.bin" -o "$D/app_v2_untrusted.fwpk"
    tamper_middle_frame "$D/app_v2.fwpk" "$D/app_v2_tampered.fwpk"
}

# The Notecard emulator's command for run.sh: serves container $1 with the
# emulator options that follow, logging each request to $NC_LOG.
notecard() {
    c=$1
    shift
    echo "$FWPACK notecard $c --link {link} --log $NC_LOG $*"
}

# One power-on: run NAME.N [--notecard-args "..." | --none] [run.sh options] -- [boot args]
failures=0
boot() {
    tag=$1 serve=$2
    shift 2
    NC_LOG="$D/$tag.notecard.log"
    : >"$NC_LOG"
    if [ "$serve" = none ]; then
        set -- "$@"
        nc=
    else
        nc=$(notecard $serve)
    fi
    echo "\$ run.sh --flash $D/$SC.flash ${nc:+--notecard \"$nc\"} $*"
    rc=0
    if [ -n "$nc" ]; then
        "$RUN" --flash "$D/$SC.flash" --log "$D/$tag.log" --notecard "$nc" "$@" >/dev/null || rc=$?
    else
        "$RUN" --flash "$D/$SC.flash" --log "$D/$tag.log" "$@" >/dev/null || rc=$?
    fi
    sed 's/^/    /' "$D/$tag.log"
    [ -s "$NC_LOG" ] && sed 's/^/    /' "$NC_LOG" | head -n "${NC_LOG_LINES:-30}"
    cat "$D/$tag.log" >>"$D/$SC.log"
    return "$rc"
}

# Sums field NAME= over the "fwboot: link" lines of the scenario's runs.
sum() { sed -n "s/^fwboot: link.* $1=\([0-9]*\).*/\1/p" "$D/$SC.log" | awk '{s += $1} END {print s + 0}'; }
last() { sed -n "$1" "$D/$SC.log" | tail -n 1; }

# Checks the scenario's outcome: $1 result of the last update, $2 the app
# version that boots, $3 a pattern its logs must have ("" for none).
verdict() {
    result=$(last 's/^fwboot: result=\([a-z]*\).*/\1/p')
    error=$(last 's/^fwboot: result=[a-z]* error="\([^"]*\)".*/\1/p')
    version=$(last 's/^app v\([^ ]*\) running.*/\1/p')
    outcome="$result${error:+ ($error)}, app v${version:-?} boots"
    if [ "$result" = "$1" ] && [ "$version" = "$2" ] &&
        { [ -z "$3" ] || grep -qE "$3" "$D/$SC.log" "$D"/"$SC".*.notecard.log; }; then
        v=ok
    else
        v="UNEXPECTED (wanted $1, app v$2${3:+, \"$3\"})"
        failures=$((failures + 1))
    fi
    tx=$(sum tx) rx=$(sum rx)
    insns=$(sum verify_insns)
    line=$(awk "BEGIN{printf \"%.1f\", ($tx + $rx) * 10 / 9600}")
    cpu=$(awk "BEGIN{printf \"%.2f\", $insns / 48e6}")
    neck=$(awk "BEGIN{print (($tx + $rx) * 10 / 9600 >= $insns / 48e6) ? \"the line\" : \"the verifier\"}")
    echo "microbit $SC: $outcome: $v" >>"$D/summary"
    printf '    %-9s wire %6d B (%d to the Notecard, %d from it), %3d requests, %2d retries; %6s s at 9600 baud, verifier %5s s at 48 MHz (%d instructions): %s is the bottleneck\n' \
        "" $((tx + rx)) "$tx" "$rx" "$(sum requests)" "$(sum retries)" "$line" "$cpu" "$insns" "$neck" >>"$D/summary"
    echo "  => $outcome: $v"
    echo
}

fresh() {
    SC=$1
    config
    cp "$MB_OUT/flash.bin" "$D/$SC.flash"
    : >"$D/$SC.log"
    echo "== $SC"
}

scenario() {
    case $1 in
    good)
        fresh good
        boot good.1 "$D/app_v2.fwpk" || true
        verdict installed 2.0.0 "" ;;
    tampered)
        fresh tampered
        boot tampered.1 "$D/app_v2_tampered.fwpk" || true
        verdict refused 1.0.0 "" ;;
    untrusted)
        fresh untrusted
        boot untrusted.1 "$D/app_v2_untrusted.fwpk" || true
        verdict refused 1.0.0 "erases=0 " ;;
    rollback)
        fresh rollback
        boot rollback.1 "$D/app_v2.fwpk" || true
        boot rollback.2 "$D/app_v1.fwpk" || true
        verdict refused 2.0.0 "security counter below" ;;
    powercut)
        [ -f "$D/good.log" ] || scenario good >/dev/null
        ops=$(sed -n 's/^fwboot: link .* flash_ops=\([0-9]*\).*/\1/p' "$D/good.log" | tail -n 1)
        fresh powercut
        boot powercut.1 "$D/app_v2.fwpk" -- --cut $((${ops:-2} / 2)) || true
        boot powercut.2 "$D/app_v2.fwpk" || true
        # The record's frame offset, and the Notecard asked for it.
        at=$(sed -n 's/^fwboot: resuming at frame [0-9]* (offset \([0-9]*\)).*/\1/p' "$D/powercut.log")
        verdict installed 2.0.0 "\"offset\":${at:-none}[,}]" ;;
    powerkill)
        fresh powerkill
        boot powerkill.1 "$D/app_v2.fwpk" --cut-at '^fwboot: checkpoint 2:' 1 || true
        boot powerkill.2 "$D/app_v2.fwpk" || true
        verdict installed 2.0.0 "^fwboot: resuming at frame" ;;
    binary)
        fresh binary
        boot binary.1 "$D/app_v2.fwpk" -- --binary || true
        verdict installed 2.0.0 "card.binary.get" ;;
    garbled)
        fresh garbled
        boot garbled.1 "$D/app_v2.fwpk --fault garbled --fault truncated --fault err --fault short --fault base64 --fault bitflip --fault timeout --fault reset --fault-at 3" || true
        verdict installed 2.0.0 "" ;;
    newimage)
        fresh newimage
        boot newimage.1 "$D/app_v2.fwpk --fault new-image --fault-at 10 --new-image $D/app_v3.fwpk" || true
        verdict installed 3.0.0 "starting over" ;;
    *) die "no scenario $1" ;;
    esac
}

SCENARIOS="good tampered untrusted rollback powercut powerkill garbled newimage binary"

main() {
    t0=$(date +%s)
    prepare
    : >"$D/summary"
    for s in $SCENARIOS; do scenario "$s"; done
    echo "== summary: Cortex-M0 (QEMU micro:bit, 8 KiB of RAM) updated from the Notecard emulator over UART0"
    cat "$D/summary"
    echo "  time: $(($(date +%s) - t0)) s"
    [ "$failures" -eq 0 ] || die "$failures scenario(s) did not go as expected"
    echo "microbit demo: all $(echo $SCENARIOS | wc -w) outcomes as expected"
}

case ${1:-all} in
all) main ;;
prepare) prepare ;;
scenario) : >"$D/summary"; scenario "$2"; cat "$D/summary"; [ "$failures" -eq 0 ] ;;
*) echo "usage: $0 [all|prepare|scenario NAME]" >&2; exit 2 ;;
esac
