#!/bin/sh
# demo.sh - fwpack end to end: key, build, pack, inspect, and a real
# bootloader (examples/cortex-m) installing the update in QEMU.
#
#   FWPACK=build/host/fwpack examples/demo.sh          # everything (make demo)
#   FWPACK=... examples/demo.sh prepare                # key, builds, containers
#   examples/demo.sh boot CONTAINER                    # one QEMU run
#
# Run from anywhere; paths are relative to the repo root.  Environment:
#   FWPACK    the packer (default build/host/fwpack)
#   DEMO_DIR  keys and containers (default build/demo)
#   CM_OUT    bootloader and application builds (default build/cortex-m)
#
# Scenarios (each a fresh QEMU boot with application v1 in the active slot):
#   good       v2 signed with the device's key: installed, v2 boots
#   tampered   one byte flipped in the middle of a frame: refused, v1 boots
#   untrusted  v2 signed with a key the device does not know: refused, v1
# Exits non-zero if any outcome differs from that.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FWPACK=${FWPACK:-build/host/fwpack}
DEMO_DIR=${DEMO_DIR:-build/demo}
CM_OUT=${CM_OUT:-build/cortex-m}
RUN_QEMU=examples/cortex-m/common/run-qemu.sh
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

die() { echo "demo: $*" >&2; exit 1; }
show() { echo "\$ $*"; "$@"; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found ($2)"; }

cm_make() {
    make --no-print-directory -s -C examples/cortex-m O="$CM_OUT" \
        FWPACK="$FWPACK" KEY="$DEMO_DIR/key.pem" "$@"
}
config() { eval "$(cm_make print-config)"; }

# ---- container surgery ------------------------------------------------------
byte() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'; }
u16le() { echo $(($(byte "$1" "$2") + 256 * $(byte "$1" $(($2 + 1))))); }
# Prints "OFFSET LEN" of every frame (SPEC.md 1, 5, 6).
frames() {
    size=$(wc -c <"$1")
    s=$((12 + $(u16le "$1" 6) + $(u16le "$1" 8)))
    off=$((s + 1 + 72 * $(byte "$1" "$s")))
    while [ "$off" -lt "$size" ]; do
        len=$(u16le "$1" "$off")
        echo "$off $len"
        off=$((off + 34 + len))
    done
}
# Flips the lowest bit of the byte at offset $2 of file $1, in place.
flip() {
    b=$(byte "$1" "$2")
    printf "$(printf '\\%03o' $((b ^ 1)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- steps ----------------------------------------------------------------------
prepare() {
    [ -x "$FWPACK" ] || die "$FWPACK not built (run make, or set FWPACK)"
    need arm-none-eabi-gcc "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
    need qemu-system-arm "apt-get install qemu-system-arm"
    rm -rf "$DEMO_DIR"
    mkdir -p "$DEMO_DIR"
    echo "== 1. signing keys"
    show "$FWPACK" keygen -o "$DEMO_DIR/key.pem"
    show "$FWPACK" keygen -o "$DEMO_DIR/untrusted.pem"
    echo
    echo "== 2. bootloader (keyring from key.pem) and application v1, v2"
    cm_make all
    config
    echo "bootloader: $CM_OUT/boot.elf   application: $CM_OUT/app_v1.bin, $CM_OUT/app_v2.bin"
    echo "layout: active slot $CM_ACTIVE, staging slot $CM_STAGING, $CM_SLOT_SIZE bytes each, MCU $CM_MCU"
    echo
    echo "== 3. pack v2 for the staging slot"
    set -- --mcu "$CM_MCU" --target app --version 2.0.0 \
        --flash-base "$CM_STAGING" --flash-size "$CM_SLOT_SIZE" \
        --window-bits "$CM_WINDOW_BITS" --frame-size "$CM_FRAME_SIZE" \
        --load-addr "$CM_STAGING" "$CM_OUT/app_v2.bin"
    show "$FWPACK" pack -k "$DEMO_DIR/key.pem" "$@" -o "$DEMO_DIR/app_v2.fwpk"
    show "$FWPACK" pack -k "$DEMO_DIR/untrusted.pem" "$@" \
        -o "$DEMO_DIR/app_v2_untrusted.fwpk"
    cp "$DEMO_DIR/app_v2.fwpk" "$DEMO_DIR/app_v2_tampered.fwpk"
    n=$(frames "$DEMO_DIR/app_v2.fwpk" | wc -l)
    set -- $(frames "$DEMO_DIR/app_v2.fwpk" | sed -n "$((n / 2 + 1))p")
    pos=$(($1 + 34 + $2 / 2))
    flip "$DEMO_DIR/app_v2_tampered.fwpk" "$pos"
    echo "tampered copy: flipped one bit at offset $pos, in the middle of frame $((n / 2 + 1)) of $n"
    echo
    echo "== 4. inspect"
    show "$FWPACK" inspect "$DEMO_DIR/app_v2.fwpk"
}

boot() {
    config
    "$RUN_QEMU" --load "$CM_OUT/app_v1.bin@$CM_ACTIVE" "$CM_OUT/boot.elf" "$@"
}

# One scenario: $1 name, $2 container, $3 expected result, $4 expected app
# version.  Sets r_<name> to a summary line; counts failures.
failures=0
scenario() {
    log="$DEMO_DIR/$1.log"
    echo "\$ $RUN_QEMU --load $CM_OUT/app_v1.bin@$CM_ACTIVE $CM_OUT/boot.elf $2"
    rc=0
    boot "$2" >"$log" 2>&1 || rc=$?
    sed 's/^/    /' "$log"
    result=$(sed -n 's/^fwboot: result=\([a-z]*\).*/\1/p' "$log")
    version=$(sed -n 's/^app v\([^ ]*\) running.*/\1/p' "$log")
    error=$(sed -n 's/^fwboot: result=[a-z]* error="\([^"]*\)".*/\1/p' "$log")
    outcome="$result${error:+ ($error)}, app v${version:-?} booted"
    if [ "$rc" -eq 0 ] && [ "$result" = "$3" ] && [ "$version" = "$4" ]; then
        verdict=ok
    else
        verdict="UNEXPECTED (wanted $3, app v$4; qemu exit $rc)"
        failures=$((failures + 1))
    fi
    eval "r_$1=\"\$outcome: \$verdict\""
    echo
}

field() { sed -n "s/^fwboot: result=.* $2=\([0-9]*\).*/\1/p" "$DEMO_DIR/$1.log"; }

main() {
    t_start=$(date +%s)
    prepare
    echo
    echo "== 5. boot: a good update, then a tampered one, then a foreign signature"
    scenario good "$DEMO_DIR/app_v2.fwpk" installed 2.0.0
    scenario tampered "$DEMO_DIR/app_v2_tampered.fwpk" refused 1.0.0
    scenario untrusted "$DEMO_DIR/app_v2_untrusted.fwpk" refused 1.0.0

    image=$(wc -c <"$CM_OUT/app_v2.bin")
    box=$(wc -c <"$DEMO_DIR/app_v2.fwpk")
    insns=$(field good verify_insns)
    copy=$(field good copy_insns)
    echo "== summary"
    echo "  image (app v2)        $image bytes"
    echo "  container             $box bytes ($(awk "BEGIN{printf \"%.1f%%\", 100*$box/$image}") of the image, ratio $(awk "BEGIN{printf \"%.2f\", $image/$box}"):1)"
    echo "  verify + write       ${insns:-?} instructions on the Cortex-M3 ($(awk "BEGIN{ if (\"$insns\" != \"\") printf \"%.0f\", $insns/$image; else print \"?\"}") per image byte; + ${copy:-?} to copy staging -> active)"
    echo "  good update           $r_good"
    echo "  tampered container    $r_tampered"
    echo "  untrusted signer      $r_untrusted"
    echo "  time                  $(($(date +%s) - t_start)) s"
    [ "$failures" -eq 0 ] || die "$failures scenario(s) did not go as expected"
    echo "demo: all three outcomes as expected"
}

case ${1:-all} in
all) main ;;
prepare) prepare ;;
boot) shift; boot "$@" ;;
frames) frames "$2" ;;
*) echo "usage: $0 [all|prepare|boot CONTAINER|frames FILE]" >&2; exit 2 ;;
esac
