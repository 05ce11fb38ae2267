#!/bin/sh
# demo.sh - the AVR bootloader example in simavr, end to end.
#
#   examples/avr/demo.sh run                 # build (make -C examples/avr), run
#                                            # the scenarios, print a summary
#   examples/avr/demo.sh boot [CONTAINER]    # one run (v1 in the active slot)
#   examples/avr/demo.sh tamper IN OUT       # OUT = IN with one bit flipped in
#                                            # the middle of its middle frame
#   examples/avr/demo.sh frames FILE         # "OFFSET LEN" of every frame
#
# Run from anywhere; paths are relative to the repo root.  Environment:
#   FWPACK   the packer (default build/host/fwpack)
#   AVR_O    outputs (default build/avr)
#
# Scenarios (each a fresh simavr run with application v1 in the active slot):
#   none       no update offered: v1 boots
#   good       v2 signed with the device's key: installed, v2 boots
#   tampered   one bit flipped in the middle of a frame: refused, v1 boots
#   untrusted  v2 signed by a key the device does not know: refused, v1 boots
# Exits non-zero if any outcome differs from that.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FWPACK=${FWPACK:-build/host/fwpack}
AVR_O=${AVR_O:-build/avr}

die() { echo "avr demo: $*" >&2; exit 1; }

avr_make() {
    make --no-print-directory -s -C examples/avr O="$AVR_O" FWPACK="$FWPACK" "$@"
}
config() { eval "$(avr_make print-config)"; }

# ---- container surgery: frames, tamper_middle_frame ------------------------------
. examples/container.sh
# ---- runs --------------------------------------------------------------------------
# boot [CONTAINER] [extra avrhost options]: v1 in the active slot, the
# bootloader, the container served over the UART.
boot() {
    config
    eval "active=\$AVR_${AVR_CHIP}_ACTIVE"
    c=${1:-}
    [ $# -gt 0 ] && shift
    "$AVR_OUT/avrhost" -m "$AVR_CHIP" -f "$AVR_F_CPU" ${c:+-c "$c"} "$@" \
        "$AVR_OUT/$AVR_CHIP/boot.hex" "$AVR_OUT/app_v1.bin@$active"
}

failures=0
scenario() { # name container expected-result expected-version
    log="$AVR_O/$1.log"
    echo "\$ examples/avr/demo.sh boot $2"
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
        verdict="UNEXPECTED (wanted $3, app v$4; avrhost exit $rc)"
        failures=$((failures + 1))
    fi
    eval "r_$1=\"\$outcome: \$verdict\""
    echo
}
field() { sed -n "s/^fwboot: .* $2=\([0-9]*\).*/\1/p" "$AVR_O/$1.log" | head -n 1; }
sz() { avr-size -A "$1" | awk -v s="$2" '$1 == s { print $2 }'; }

run() {
    t_start=$(date +%s)
    [ -x "$FWPACK" ] || die "$FWPACK not built (make build/host/fwpack)"
    for t in avr-gcc avr-objcopy; do
        command -v $t >/dev/null 2>&1 || die "$t not found (apt-get install gcc-avr avr-libc binutils-avr)"
    done
    [ -f /usr/include/simavr/sim_avr.h ] || die "libsimavr headers not found (apt-get install libsimavr-dev)"
    echo "== build (make -C examples/avr O=$AVR_O)"
    avr_make all
    config
    echo
    echo "== run in simavr ($AVR_CHIP, $AVR_F_CPU Hz)"
    scenario none "" none 1.0.0
    scenario good "$AVR_O/app_v2.fwpk" installed 2.0.0
    scenario tampered "$AVR_O/app_v2_tampered.fwpk" refused 1.0.0
    scenario untrusted "$AVR_O/app_v2_untrusted.fwpk" refused 1.0.0

    image=$(wc -c <"$AVR_O/app_v2.bin")
    box=$(wc -c <"$AVR_O/app_v2.fwpk")
    v=$(field good verify_cycles)
    a=$(field good auth_cycles)
    st=$(field good stack)
    e=$AVR_O/atmega328p/boot.elf
    t328=$(sz "$e" .text) d328=$(sz "$e" .data) b328=$(sz "$e" .bss) s328=$(sz "$e" .bootspm)
    flash328=$((t328 + d328 + s328))
    ram328=$((d328 + b328 + st))
    echo "== summary"
    echo "  image (app v2)        $image bytes; container $box bytes"
    echo "  verify + write        $v cycles on the $AVR_CHIP ($(awk "BEGIN{printf \"%.2f\", $v/$AVR_F_CPU}") s at 16 MHz);"
    echo "                        $a before the first erase (Ed25519 + manifest), $(awk "BEGIN{printf \"%.0f\", ($v-$a)/$image}") per image byte after"
    eval "ramsz=\$AVR_${AVR_CHIP}_RAM"
    echo "  RAM ($AVR_CHIP)     $(field good total) of $ramsz bytes ($(field good static) static + $st stack)"
    echo "  atmega328p            flash $flash328 of 32768 bytes (text $t328 + data $d328 + SPM $s328);"
    fit328="fits"
    if [ "$flash328" -gt 32768 ] || [ "$ram328" -gt 2048 ]; then
        fit328="DOES NOT FIT"
    fi
    echo "                        RAM $ram328 of 2048 bytes (data $d328 + bss $b328 + stack $st): $fit328"
    echo "                        (its build: $AVR_O/atmega328p/boot.elf, link.log; figures only, never run)"
    echo "  no update             $r_none"
    echo "  good update           $r_good"
    echo "  tampered container    $r_tampered"
    echo "  untrusted signer      $r_untrusted"
    echo "  time                  $(($(date +%s) - t_start)) s"
    [ "$failures" -eq 0 ] || die "$failures scenario(s) did not go as expected"
    echo "avr demo: all four outcomes as expected (on the $AVR_CHIP; the atmega328p: $fit328)"
}

case ${1:-run} in
run) run ;;
boot) shift; boot "$@" ;;
tamper) tamper_middle_frame "$2" "$3" ;;
frames) frames "$2" ;;
*) echo "usage: $0 [run|boot [CONTAINER]|tamper IN OUT|frames FILE]" >&2; exit 2 ;;
esac
