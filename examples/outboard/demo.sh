#!/bin/sh
# demo.sh - an outboard update: fwpack flash verifies a container, then
# programs an ATmega328P through its own serial bootloader, Optiboot from
# Debian's arduino-core-avr, running in simavr with its UART on a pseudo-
# terminal (tests/emu/simavr_pty.c).  Then a tampered copy is refused
# before the port is even opened.  Run by examples/demo.sh (make demo).
#
#   FWPACK=build/host/fwpack examples/outboard/demo.sh KEY.pem
#
# Environment: FWPACK (build/host/fwpack), EMU_DIR (build/host/emu: the
# simavr bridge), OB_DIR (build/outboard: Optiboot moved into the 1 KiB
# boot section it fits, the application), OUTBOARD_DIR (build/demo/
# outboard: containers, logs).  Exits non-zero if an outcome differs.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FWPACK=${FWPACK:-build/host/fwpack}
EMU_DIR=${EMU_DIR:-build/host/emu}
OB_DIR=${OB_DIR:-build/outboard}
DIR=${OUTBOARD_DIR:-build/demo/outboard}
KEY=${1:?usage: demo.sh KEY.pem}

die() { echo "outboard: $*" >&2; exit 1; }
show() { echo "\$ $*"; "$@"; }
for f in "$EMU_DIR/simavr_pty" "$OB_DIR/optiboot_atmega328.hex" "$OB_DIR/app_v2.bin"; do
    [ -e "$f" ] || die "$f not built (make outboard-build)"
done
rm -rf "$DIR"
mkdir -p "$DIR"

"$FWPACK" export-key "$KEY" -o "$DIR/pub.pem"
show "$FWPACK" pack -k "$KEY" --mcu atmega328p --load-addr 0 --version 2.0.0 \
    "$OB_DIR/app_v2.bin" -o "$DIR/app.fwpk"
cp "$DIR/app.fwpk" "$DIR/tampered.fwpk"
size=$(wc -c <"$DIR/tampered.fwpk")
# one bit of the last frame's last byte
b=$(od -An -tu1 -j $((size - 1)) -N 1 "$DIR/tampered.fwpk" | tr -d ' ')
printf "$(printf '\\%03o' $((b ^ 1)))" |
    dd of="$DIR/tampered.fwpk" bs=1 seek=$((size - 1)) conv=notrunc status=none

echo "target: an ATmega328P at 16 MHz in simavr, Optiboot (Debian's) at 0x7c00, its UART on a pty"
"$EMU_DIR/simavr_pty" -m atmega328p -f 16000000 --boot 0x7c00 \
    --port-file "$DIR/port" --log "$DIR/target.log" --uart-log "$DIR/uart.log" \
    --dump "$DIR/flash.bin" "$OB_DIR/optiboot_atmega328.hex" >"$DIR/simavr.out" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
i=0
while [ ! -s "$DIR/port" ]; do
    i=$((i + 1))
    [ "$i" -lt 500 ] || die "simavr_pty did not start: $(cat "$DIR/simavr.out")"
    sleep 0.01
done
port=$(cat "$DIR/port")

rc=0
show "$FWPACK" flash -p "$DIR/pub.pem" --port "$port" --protocol stk500 -v \
    "$DIR/app.fwpk" || rc=$?
[ "$rc" -eq 0 ] || die "fwpack flash failed (exit $rc)"
i=0
until grep -q "app v2.0.0 running" "$DIR/uart.log" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 500 ] || die "the application did not start"
    sleep 0.01
done
line=$(tr -cd '[:print:]\n' <"$DIR/uart.log" | grep -o 'app v2.0.0 running, image [0-9]* bytes, crc32 [0-9a-f]*' | tail -n 1)
echo "the ATmega328P, after Optiboot's watchdog reset, prints: $line"
crc=$(gzip -c "$OB_DIR/app_v2.bin" | tail -c 8 | od -An -tx4 -N 4 | tr -d ' ')
case $line in *"crc32 $crc") ;; *) die "its CRC-32 is not the image's ($crc)" ;; esac

rc=0
show "$FWPACK" flash -p "$DIR/pub.pem" --port "$port" --protocol stk500 \
    "$DIR/tampered.fwpk" || rc=$?
[ "$rc" -eq 1 ] || die "the tampered container was not refused (exit $rc)"
opens=$(grep -c '^open' "$DIR/target.log" || true)
[ "$opens" -eq 1 ] || die "the port was opened $opens times, not once"
echo "tampered copy: refused (exit 1); the port was never opened for it (target log: $opens open)"
kill $sim
wait $sim 2>/dev/null || true
trap - EXIT
echo "outboard: as expected"
