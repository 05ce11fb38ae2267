#!/bin/sh
# demo.sh - fwpack end to end: key, build, pack, inspect, and a real
# bootloader (examples/cortex-m) installing the update in QEMU; then an
# outboard update (examples/outboard/demo.sh): fwpack flash programming an
# ATmega328P through Optiboot, in simavr.
#
#   FWPACK=build/host/fwpack examples/demo.sh          # everything (make demo)
#   FWPACK=... examples/demo.sh prepare                # key, builds, containers
#   examples/demo.sh boot [--cut K] CONTAINER|-...     # one QEMU run
#   examples/demo.sh sweep                             # power cut at every
#                                                      # flash operation
#
# Run from anywhere; paths are relative to the repo root.  Environment:
#   FWPACK    the packer (default build/host/fwpack)
#   DEMO_DIR  keys and containers (default build/demo)
#   DEMO_KEY  an existing signing key to use instead of a new one
#   CM_OUT    bootloader and application builds (default build/cortex-m)
#
# Scenarios (each a fresh QEMU run with application v1 in the active slot
# and a new device's flash otherwise; "boot" passes its arguments to the
# bootloader, see examples/cortex-m/boot/boot.c: the i-th container is
# offered at the i-th boot of the run, --cut K loses power during the K-th
# flash erase/write of the first boot):
#   good       v2 signed with the device's key: installed, v2 boots
#   tampered   one byte flipped in the middle of a frame: refused, v1 boots
#   untrusted  v2 signed with a key the device does not know: refused, v1
#   powercut   power lost half way through the update (the flash operation
#              in the middle of the good run's); the next boot resumes from
#              the record in the state area and installs v2
#   rollback   v2 (security counter 2) installed, then v1 (counter 1)
#              offered at the next boot: refused, v2 boots
#   lzma       v2 packed with --codec lzma: installed, v2 boots
#   lzmacut    power lost half way through the LZMA update; the next boot
#              decodes again from frame 0 (LZMA's records name it) and
#              installs v2
#   delta      v2 as a delta update against v1 (fwpack pack --base): the
#              bootloader checks that the active slot holds v1, rebuilds v2
#              from it and the patch: installed, v2 boots
#   wrongbase  a delta made for devices that run v2, offered to one that
#              runs v1: refused before anything is erased, v1 boots
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

# ---- container surgery: frames, flip, tamper_middle_frame -------------------
. examples/container.sh

# ---- steps ----------------------------------------------------------------------
prepare() {
    [ -x "$FWPACK" ] || die "$FWPACK not built (run make, or set FWPACK)"
    need arm-none-eabi-gcc "apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi"
    need qemu-system-arm "apt-get install qemu-system-arm"
    rm -rf "$DEMO_DIR"
    mkdir -p "$DEMO_DIR"
    echo "== 1. signing keys"
    if [ -n "${DEMO_KEY:-}" ]; then
        cp "$DEMO_KEY" "$DEMO_DIR/key.pem"
        chmod 600 "$DEMO_DIR/key.pem"
        echo "signing key: $DEMO_KEY"
    else
        show "$FWPACK" keygen -o "$DEMO_DIR/key.pem"
    fi
    show "$FWPACK" keygen -o "$DEMO_DIR/untrusted.pem"
    echo
    echo "== 2. bootloader (keyring from key.pem) and application v1, v2"
    cm_make all
    config
    echo "bootloader: $CM_OUT/boot.elf   application: $CM_OUT/app_v1.bin, $CM_OUT/app_v2.bin"
    echo "layout: active slot $CM_ACTIVE, staging slot $CM_STAGING, $CM_SLOT_SIZE bytes each, MCU $CM_MCU"
    echo
    echo "== 3. pack v2 for the staging slot (security counter 2: anti-rollback)"
    set -- --mcu "$CM_MCU" --target app \
        --flash-base "$CM_STAGING" --flash-size "$CM_SLOT_SIZE" \
        --window-bits "$CM_WINDOW_BITS" --frame-size "$CM_FRAME_SIZE" \
        --load-addr "$CM_STAGING"
    show "$FWPACK" pack -k "$DEMO_DIR/key.pem" "$@" --version 2.0.0 \
        --security-counter 2 "$CM_OUT/app_v2.bin" -o "$DEMO_DIR/app_v2.fwpk"
    show "$FWPACK" pack -k "$DEMO_DIR/untrusted.pem" "$@" --version 2.0.0 \
        --security-counter 2 "$CM_OUT/app_v2.bin" \
        -o "$DEMO_DIR/app_v2_untrusted.fwpk"
    # The older release, for the rollback scenario.
    "$FWPACK" pack -k "$DEMO_DIR/key.pem" "$@" --version 1.0.0 \
        --security-counter 1 "$CM_OUT/app_v1.bin" \
        -o "$DEMO_DIR/app_v1.fwpk" >/dev/null
    echo "older release for the rollback scenario: $DEMO_DIR/app_v1.fwpk (version 1.0.0, security counter 1)"
    tamper_middle_frame "$DEMO_DIR/app_v2.fwpk" "$DEMO_DIR/app_v2_tampered.fwpk"
    # The same v2 with LZMA (the bootloader is built with FWPK_CODECS=6):
    # its dictionary covers the whole image, read back from flash.
    "$FWPACK" pack -k "$DEMO_DIR/key.pem" --mcu "$CM_MCU" --target app \
        --flash-base "$CM_STAGING" --flash-size "$CM_SLOT_SIZE" \
        --frame-size "$CM_FRAME_SIZE" --load-addr "$CM_STAGING" --codec lzma \
        --version 2.0.0 --security-counter 2 "$CM_OUT/app_v2.bin" \
        -o "$DEMO_DIR/app_v2_lzma.fwpk" >/dev/null
    echo "v2 with --codec lzma: $DEMO_DIR/app_v2_lzma.fwpk ($(wc -c <"$DEMO_DIR/app_v2_lzma.fwpk") bytes, deflate $(wc -c <"$DEMO_DIR/app_v2.fwpk"))"
    echo
    echo "== 3b. v2 as a delta update: only what changed since v1, which the device runs"
    show "$FWPACK" pack -k "$DEMO_DIR/key.pem" "$@" --version 2.0.0 \
        --security-counter 2 --base "$DEMO_DIR/app_v1.fwpk" "$CM_OUT/app_v2.bin" \
        -o "$DEMO_DIR/app_v2_delta.fwpk"
    # A delta for devices that already run v2: not for one that runs v1.
    "$FWPACK" pack -k "$DEMO_DIR/key.pem" "$@" --version 2.0.1 \
        --security-counter 2 --base "$DEMO_DIR/app_v2.fwpk" "$CM_OUT/app_v2.bin" \
        -o "$DEMO_DIR/app_v2_wrongbase.fwpk" >/dev/null
    echo "a delta against v2, for the wrong-base scenario: $DEMO_DIR/app_v2_wrongbase.fwpk"
    echo
    echo "== 4. inspect"
    show "$FWPACK" inspect "$DEMO_DIR/app_v2.fwpk"
}

boot() {
    config
    "$RUN_QEMU" --load "$CM_OUT/app_v1.bin@$CM_ACTIVE" "$CM_OUT/boot.elf" "$@"
}

# One scenario: $1 name, $2 expected result (of the last boot), $3 expected
# app version, $4 a pattern the log must contain ("" for none), then the
# bootloader's arguments.  Sets r_<name> to a summary line; counts failures.
failures=0
scenario() {
    name=$1 want_result=$2 want_version=$3 pattern=$4
    shift 4
    log="$DEMO_DIR/$name.log"
    echo "\$ $RUN_QEMU --load $CM_OUT/app_v1.bin@$CM_ACTIVE $CM_OUT/boot.elf $*"
    rc=0
    boot "$@" >"$log" 2>&1 || rc=$?
    sed 's/^/    /' "$log"
    result=$(sed -n 's/^fwboot: result=\([a-z]*\).*/\1/p' "$log" | tail -n 1)
    version=$(sed -n 's/^app v\([^ ]*\) running.*/\1/p' "$log")
    error=$(sed -n 's/^fwboot: result=[a-z]* error="\([^"]*\)".*/\1/p' "$log" | tail -n 1)
    [ "$result" = installed ] && error=
    outcome="$result${error:+ ($error)}, app v${version:-?} booted"
    if [ "$rc" -eq 0 ] && [ "$result" = "$want_result" ] &&
        [ "$version" = "$want_version" ] &&
        { [ -z "$pattern" ] || grep -q "$pattern" "$log"; }; then
        verdict=ok
    else
        verdict="UNEXPECTED (wanted $want_result, app v$want_version${pattern:+, \"$pattern\"}; qemu exit $rc)"
        failures=$((failures + 1))
    fi
    eval "r_$name=\"\$outcome: \$verdict\""
    echo
}

# field LOG NAME: NAME=N from the last line of LOG that has it
field() { sed -n "s/^fwboot: .* $2=\([0-9]*\).*/\1/p" "$DEMO_DIR/$1.log" | tail -n 1; }

mega() { awk "BEGIN{ if (\"$1\" != \"\") printf \"%.1f M\", $1/1e6; else print \"?\"}"; }

main() {
    t_start=$(date +%s)
    prepare
    echo
    echo "== 5. boot: a good update, then a tampered one, then a foreign signature"
    scenario good installed 2.0.0 "" "$DEMO_DIR/app_v2.fwpk"
    scenario tampered refused 1.0.0 "" "$DEMO_DIR/app_v2_tampered.fwpk"
    scenario untrusted refused 1.0.0 "" "$DEMO_DIR/app_v2_untrusted.fwpk"

    echo "== 6. power cut in the middle of the update, then a boot that resumes"
    ops=$(field good update)
    cut=$(( ${ops:-2} / 2 ))
    scenario powercut installed 2.0.0 "^fwboot: resuming at frame" \
        --cut "$cut" "$DEMO_DIR/app_v2.fwpk" "$DEMO_DIR/app_v2.fwpk"
    echo "== 7. rollback: v2 installed, then the older v1 offered at the next boot"
    scenario rollback refused 2.0.0 "security counter below" \
        "$DEMO_DIR/app_v2.fwpk" "$DEMO_DIR/app_v1.fwpk"
    echo "== 8. LZMA: v2 packed with --codec lzma, then power cut half way through it"
    scenario lzma installed 2.0.0 "" "$DEMO_DIR/app_v2_lzma.fwpk"
    lops=$(field lzma update)
    scenario lzmacut installed 2.0.0 "^fwboot: resuming at frame 0 " \
        --cut "$(( ${lops:-2} / 2 ))" "$DEMO_DIR/app_v2_lzma.fwpk" "$DEMO_DIR/app_v2_lzma.fwpk"
    echo "== 8b. delta update: v2 rebuilt on the device from v1 and the patch"
    scenario delta installed 2.0.0 "" "$DEMO_DIR/app_v2_delta.fwpk"
    scenario wrongbase refused 1.0.0 "not the base this delta" \
        "$DEMO_DIR/app_v2_wrongbase.fwpk"
    echo "== 9. outboard update: a second MCU programmed through its own serial bootloader"
    rc=0
    OUTBOARD_DIR="$DEMO_DIR/outboard" FWPACK="$FWPACK" \
        examples/outboard/demo.sh "$DEMO_DIR/key.pem" >"$DEMO_DIR/outboard.log" 2>&1 || rc=$?
    sed 's/^/    /' "$DEMO_DIR/outboard.log"
    if [ "$rc" -eq 0 ]; then
        r_outboard="ATmega328P (Optiboot, simavr) programmed by fwpack flash, app v2 runs; tampered copy refused before the port: ok"
    else
        r_outboard="UNEXPECTED (examples/outboard/demo.sh exit $rc)"
        failures=$((failures + 1))
    fi
    echo
    echo "== 10. a Cortex-M0 with 8 KiB of RAM (QEMU micro:bit) updated from a Notecard over its UART"
    rc=0
    FWPACK="$FWPACK" MB_DEMO_DIR="$DEMO_DIR/microbit" DEMO_KEY="$DEMO_DIR/key.pem" \
        examples/microbit/demo.sh >"$DEMO_DIR/microbit.log" 2>&1 || rc=$?
    sed 's/^/    /' "$DEMO_DIR/microbit.log"
    if [ "$rc" -ne 0 ]; then
        failures=$((failures + 1))
    fi
    echo

    image=$(wc -c <"$CM_OUT/app_v2.bin")
    box=$(wc -c <"$DEMO_DIR/app_v2.fwpk")
    insns=$(field good verify_insns)
    copy=$(field good copy_insns)
    resumed_at=$(sed -n 's/^fwboot: resuming at \(frame [0-9]* (offset [0-9]*)\).*/\1/p' "$DEMO_DIR/powercut.log")
    cut_what=$(sed -n 's/^fwboot: power lost during flash operation [0-9]*: \([a-z]*\) .* at \(0x[0-9a-f]*\).*/\1 at \2/p' "$DEMO_DIR/powercut.log")
    echo "== summary"
    echo "  image (app v2)        $image bytes"
    echo "  container             $box bytes ($(awk "BEGIN{printf \"%.1f%%\", 100*$box/$image}") of the image, ratio $(awk "BEGIN{printf \"%.2f\", $image/$box}"):1)"
    echo "  verify + write       ${insns:-?} instructions on the Cortex-M3 ($(awk "BEGIN{ if (\"$insns\" != \"\") printf \"%.0f\", $insns/$image; else print \"?\"}") per image byte, $(field good resume_records) resume records persisted; + ${copy:-?} to commit and copy staging -> active)"
    echo "  good update           $r_good"
    echo "  tampered container    $r_tampered"
    echo "  untrusted signer      $r_untrusted"
    echo "  power cut             flash operation $cut of $ops (${cut_what:-?}) lost; the next boot resumed at ${resumed_at:-?}"
    echo "                        reading $(field powercut container_bytes) of $box bytes, $(mega "$(field powercut verify_insns)") instructions: $r_powercut"
    echo "  rollback to v1        $r_rollback"
    lbox=$(wc -c <"$DEMO_DIR/app_v2_lzma.fwpk")
    echo "  lzma container        $lbox bytes ($(awk "BEGIN{printf \"%.1f%%\", 100*$lbox/$box}") of deflate's), $(mega "$(field lzma verify_insns)") instructions: $r_lzma"
    echo "  lzma power cut        flash operation $(( ${lops:-2} / 2 )) of ${lops:-?} lost, decoded again from frame 0: $r_lzmacut"
    dbox=$(wc -c <"$DEMO_DIR/app_v2_delta.fwpk")
    echo "  delta update          $dbox bytes ($(awk "BEGIN{printf \"%.1f%%\", 100*$dbox/$box}") of the full container), $(mega "$(field delta verify_insns)") instructions: $r_delta"
    echo "  delta, wrong base     $r_wrongbase"
    echo "  outboard update       $r_outboard"
    echo "  Notecard to Cortex-M0 (micro:bit, 8 KiB RAM), examples/microbit/demo.sh:"
    sed -n 's/^microbit /    /p; s/^ *wire/      wire/p' "$DEMO_DIR/microbit.log"
    [ "$rc" -eq 0 ] || echo "    UNEXPECTED (examples/microbit/demo.sh exit $rc)"
    echo "  time                  $(($(date +%s) - t_start)) s"
    [ "$failures" -eq 0 ] || die "$failures scenario(s) did not go as expected"
    echo "demo: all outcomes as expected (eight above, seven on the micro:bit)"
}

# One cut point K (after prepare): with the container offered again, the
# next boot must end with v2 and the uncut image's CRC; with nothing
# offered, v1 must boot up to the commit (operation update+1, the
# copy-pending record) and v2 after it.  Prints "K ok" or "K FAIL ...".
sweep_one() {
    k=$1 update=$2 crc=$3 c="$DEMO_DIR/app_v2.fwpk"
    o2=$(boot --cut "$k" "$c" "$c" 2>&1)
    o1=$(boot --cut "$k" "$c" 2>&1)
    want1=1.0.0
    [ "$k" -gt $((update + 1)) ] && want1=2.0.0
    v2=$(echo "$o2" | sed -n 's/^app v\([^ ]*\) running.*/\1/p')
    v1=$(echo "$o1" | sed -n 's/^app v\([^ ]*\) running.*/\1/p')
    if [ "$v2" = 2.0.0 ] && echo "$o2" | grep -q "$crc" && [ "$v1" = "$want1" ]; then
        echo "$k ok"
    else
        echo "$k FAIL (offered again: v${v2:-?}; not offered: v${v1:-?}, wanted v$want1)"
    fi
}

# Every cut point of the good update (prepare first): examples/demo.sh sweep
sweep() {
    config
    good=$(boot "$DEMO_DIR/app_v2.fwpk")
    update=$(echo "$good" | sed -n 's/^fwboot: flash_ops update=\([0-9]*\) commit=\([0-9]*\).*/\1/p')
    commit=$(echo "$good" | sed -n 's/^fwboot: flash_ops update=\([0-9]*\) commit=\([0-9]*\).*/\2/p')
    crc=$(echo "$good" | sed -n 's/.*\(crc32 [0-9a-f]*\).*/\1/p')
    [ -n "$update" ] && [ -n "$crc" ] || die "the good run failed: $good"
    n=$((update + commit))
    echo "sweep: cutting power at each of the $n flash operations ($update update, $commit commit), $(nproc) at a time"
    seq 1 "$n" | xargs -P "$(nproc)" -I K "$0" sweep-one K "$update" "$crc" \
        >"$DEMO_DIR/sweep.out"
    bad=$(grep -c FAIL "$DEMO_DIR/sweep.out" || true)
    grep FAIL "$DEMO_DIR/sweep.out" | sort -n | head -20
    echo "sweep: $n cut points, $((n - bad)) ended as expected, $bad did not"
    [ "$bad" -eq 0 ]
}

case ${1:-all} in
all) main ;;
prepare) prepare ;;
boot) shift; boot "$@" ;;
frames) frames "$2" ;;
sweep) sweep ;;
sweep-one) shift; config; sweep_one "$@" ;;
*) echo "usage: $0 [all|prepare|boot [--cut K] CONTAINER|-...|frames FILE|sweep]" >&2; exit 2 ;;
esac
