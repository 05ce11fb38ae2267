#!/bin/sh
# run.sh - one power-on of the emulated micro:bit: QEMU -M microbit with
# the bootloader's flash, UART0 wired to a Notecard emulator through a
# pair of pseudo-terminals, until the device halts or the power is cut;
# then the flash is saved, as the next power-on will find it.
#
#   run.sh [options] [-- BOOT_ARGS...]
#     --flash FILE       the 256 KiB flash to start from (required)
#     --save FILE        where the flash is saved at the end (default: FILE
#                        of --flash, replaced)
#     --notecard CMD     the Notecard emulator, a shell command in which
#                        {link} is replaced by the path where it links the
#                        pseudo-terminal it serves on (fwpack notecard
#                        --link); without it the UART is not connected
#     --cut-at PATTERN N power cut: once the device's output has N lines
#                        matching PATTERN (grep -E), QEMU is stopped where
#                        it is, the flash saved and QEMU killed
#     --log FILE         the device's output (default: stdout only)
#   BOOT_ARGS reach the bootloader as its command line (boot.c).
#
# The Notecard emulator serves on a pseudo-terminal of its own, which QEMU
# opens as a serial device (-chardev serial) once it exists: no byte is
# lost to a port not yet open.  QEMU runs with -icount shift=0
# (instruction counts; common/timer.h).  The flash is read and saved
# through QEMU's QMP monitor (memsave), since QEMU's nRF51 flash has no
# backing file.
#
# Exit status: the device's (its "halt: N" line; 98: it lost power during
# a flash operation, --cut in boot.c), 200 after a --cut-at power cut,
# 124 on timeout (RUN_TIMEOUT seconds, default 120), 2 on usage errors.
set -eu

die() { echo "run.sh: $*" >&2; exit 2; }

flash= save= notecard= cut_pat= cut_n= log=
while [ $# -gt 0 ]; do
    case $1 in
    --flash) flash=$2; shift 2 ;;
    --save) save=$2; shift 2 ;;
    --notecard) notecard=$2; shift 2 ;;
    --cut-at) cut_pat=$2; cut_n=$3; shift 3 ;;
    --log) log=$2; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1" ;;
    esac
done
[ -n "$flash" ] && [ -f "$flash" ] || die "--flash FILE is required (a 256 KiB flash image)"
[ -n "$save" ] || save=$flash
command -v qemu-system-arm >/dev/null 2>&1 || die "qemu-system-arm not found (apt-get install qemu-system-arm)"
command -v socat >/dev/null 2>&1 || die "socat not found (apt-get install socat): QMP is spoken through it"

d=$(mktemp -d "${TMPDIR:-/tmp}/microbit.XXXXXX")
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    rm -rf "$d"
}
trap cleanup EXIT INT TERM
cp "$flash" "$d/flash.in"
: >"$d/out"

# The line: the emulator makes a pseudo-terminal and links it at $d/dev;
# QEMU opens that as a serial device once it exists.
serial="-serial null"
if [ -n "$notecard" ]; then
    cmd=$(printf '%s' "$notecard" | sed "s|{link}|$d/dev|g")
    sh -c "exec $cmd" >"$d/notecard.out" 2>&1 &
    pids="$pids $!"
    i=0
    until [ -e "$d/dev" ]; do
        i=$((i + 1))
        [ $i -lt 200 ] || die "the Notecard emulator made no line at {link}: $(cat "$d/notecard.out")"
        sleep 0.05
    done
    serial="-chardev serial,id=nc,path=$d/dev -serial chardev:nc"
fi

args=
for a in boot "$@"; do args="$args,arg=$a"; done
# shellcheck disable=SC2086 # $serial is a list of words
qemu-system-arm -M microbit -display none -monitor none $serial \
    -semihosting-config "enable=on$args" -icount shift=0 \
    -device loader,file="$d/flash.in",addr=0 \
    -qmp unix:"$d/qmp",server=on,wait=off >"$d/out" 2>&1 </dev/null &
qemu=$!
pids="$pids $qemu"

qmp() {
    printf '{"execute":"qmp_capabilities"}\n%s\n' "$1" |
        socat -t 5 - UNIX-CONNECT:"$d/qmp" >>"$d/qmp.log" 2>&1
}

# Wait for the halt line, the power cut, QEMU's end or the timeout.
status=124
start=$(date +%s)
while :; do
    if code=$(sed -n 's/^halt: \(-*[0-9]*\)$/\1/p' "$d/out" | head -n 1) && [ -n "$code" ]; then
        status=$code
        break
    fi
    if [ -n "$cut_pat" ] && [ "$(grep -cE "$cut_pat" "$d/out" || true)" -ge "$cut_n" ]; then
        qmp '{"execute":"stop"}'
        status=200
        break
    fi
    kill -0 "$qemu" 2>/dev/null || { status=125; break; }
    [ $(($(date +%s) - start)) -lt "${RUN_TIMEOUT:-120}" ] || break
    sleep 0.05
done
if [ "$status" -ne 125 ]; then
    qmp '{"execute":"stop"}'
    qmp "{\"execute\":\"memsave\",\"arguments\":{\"val\":0,\"size\":$(wc -c <"$flash"),\"filename\":\"$d/flash.out\"}}"
    kill -9 "$qemu" 2>/dev/null || true
fi
wait "$qemu" 2>/dev/null || true
[ "$status" -eq 98 ] && echo "run.sh: the CPU stopped at the power cut; QEMU killed, flash saved" >>"$d/out"
[ "$status" -eq 200 ] && echo "run.sh: power cut: QEMU stopped and killed after line $cut_n matching \"$cut_pat\"; flash saved" >>"$d/out"
[ "$status" -eq 124 ] && echo "run.sh: timeout after ${RUN_TIMEOUT:-120} s" >>"$d/out"
[ "$status" -eq 125 ] && echo "run.sh: QEMU ended without a halt line" >>"$d/out"
if [ -f "$d/flash.out" ] && [ "$(wc -c <"$d/flash.out")" -eq "$(wc -c <"$flash")" ]; then
    cp "$d/flash.out" "$save.tmp" && mv "$save.tmp" "$save"
else
    echo "run.sh: the flash could not be saved" >>"$d/out"
    [ "$status" -ne 0 ] || status=4
fi
if [ -n "$log" ]; then cp "$d/out" "$log"; fi
cat "$d/out"
exit "$status"
