#!/bin/sh
# outboard.sh - make bench-outboard: fwpack flash against avrdude and
# stm32flash on the same emulated targets, in one run.
#
#   sh bench/outboard.sh FWPACK EMU_DIR OB_DIR
#
# Targets (tests/emu), each paced like a real line: simavr runs Debian's
# Optiboot in real time with its own UART timing (about 11 bit times a
# byte at 16 MHz: it counts a parity bit even for 8N1), the AVR109 and
# AN3155 emulators take 10 and 11 (8E1) bit times a byte and the
# datasheets' flash times (4.5 ms per AVR page erase or write; 22 ms per
# STM32 page erase, 3 ms per 256-byte write).  Images: 32 KiB of pseudo-random bytes for AN3155 and
# AVR109 (the application, then filler), 31 KiB under Optiboot (all of its
# application section).  Optiboot at 57600: the same HEX on an 8 MHz
# ATmega328P talks at 58824 baud, as on an 8 MHz board.
#
# Per run: wall-clock seconds of the tool, bytes each way (the emulator's
# count) and the time those bytes take on a real line at the nominal rate:
# 10 bit times a byte for 8N1 (STK500, AVR109), 11 for 8E1 (AN3155).
# Every tool writes and reads back (avrdude verifies by default,
# stm32flash with -v, fwpack flash always).  Figures only: exits non-zero
# only when a tool fails.
set -eu

FWPACK=$1
EMU=$2
OB=$3
DIR=$OB/bench
OPTIBOOT=$OB/optiboot_atmega328.hex
mkdir -p "$DIR"
export SOURCE_DATE_EPOCH=1700000000

die() { echo "bench-outboard: $*" >&2; exit 1; }
for t in avrdude stm32flash avr-objcopy openssl; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (make deps)"
done

# Deterministic filler: AES-128-CTR of zeros under a fixed key.
filler() {
    openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null | head -c "$1"
}

# $1 output, $2 size: the application, then filler.
avr_image() {
    app=$OB/app_v2.bin
    { cat "$app"; filler $(($2 - $(wc -c <"$app"))); } >"$1"
    avr-objcopy -I binary -O ihex "$1" "${1%.bin}.hex"
}

[ -f "$DIR/key.pem" ] || "$FWPACK" keygen -o "$DIR/key.pem" >/dev/null
"$FWPACK" export-key "$DIR/key.pem" -o "$DIR/pub.pem" --force
avr_image "$DIR/optiboot.bin" 31744
avr_image "$DIR/avr109.bin" 32768
filler 32768 >"$DIR/stm32.bin"
for n in optiboot avr109; do
    "$FWPACK" pack -k "$DIR/key.pem" --mcu atmega328p --load-addr 0 \
        --force "$DIR/$n.bin" -o "$DIR/$n.fwpk"
done
"$FWPACK" pack -k "$DIR/key.pem" --mcu stm32g030k8 --load-addr 0x08000000 \
    --force "$DIR/stm32.bin" -o "$DIR/stm32.fwpk"

now() { date +%s.%N; }

# start NAME EMULATOR ARGS...: in the background, port in $port
start() {
    name=$1
    prog=$2
    shift 2
    rm -f "$DIR/$name.port" "$DIR/$name.log"
    "$EMU/$prog" "$@" --port-file "$DIR/$name.port" --log "$DIR/$name.log" \
        >"$DIR/$name.out" 2>&1 &
    pid=$!
    i=0
    while [ ! -s "$DIR/$name.port" ]; do
        i=$((i + 1))
        [ "$i" -lt 500 ] || die "$prog did not start"
        sleep 0.01
    done
    port=$(cat "$DIR/$name.port")
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }

# row TARGET BAUD BITS TOOL IMAGE_BYTES: times the command in $cmd on a
# fresh target (started with $emu), prints one table row.
row() {
    name=$(echo "$1-$2-$4" | tr ' /' '__')
    # shellcheck disable=SC2086
    start "$name" $emu
    t0=$(now)
    sh -c "$(echo "$cmd" | sed "s|PORT|$port|g")" >"$DIR/$name.tool" 2>&1 ||
        { stop; cat "$DIR/$name.tool"; die "$4 failed on $1"; }
    t1=$(now)
    sleep 0.2
    stop
    rx=$(sed -n 's/^close rx=\([0-9]*\) tx=.*/\1/p' "$DIR/$name.log" | awk '{ s += $1 } END { print s + 0 }')
    tx=$(sed -n 's/^close rx=[0-9]* tx=\([0-9]*\)/\1/p' "$DIR/$name.log" | awk '{ s += $1 } END { print s + 0 }')
    awk -v t="$1" -v b="$2" -v bits="$3" -v tool="$4" -v img="$5" \
        -v s="$(echo "$t0 $t1" | awk '{ print $2 - $1 }')" -v rx="$rx" -v tx="$tx" \
        'BEGIN { printf "| %-23s | %6s | %-10s | %6d | %6.2f | %7d | %8d | %6.2f |\n", t, b, tool, img, s, rx, tx, (rx + tx) * bits / b }'
}

echo "== outboard updates: fwpack flash vs avrdude / stm32flash, same emulated targets"
echo "| target                  |   baud | tool       |  image |      s |  to tgt | from tgt | wire s |"
echo "|-------------------------|--------|------------|--------|--------|---------|---------|--------|"

for mhz in 16 8; do
    baud=$((mhz == 16 ? 115200 : 57600))
    emu="simavr_pty -m atmega328p -f ${mhz}000000 --boot 0x7c00 $OPTIBOOT"
    cmd="$FWPACK flash -p $DIR/pub.pem --port PORT --protocol stk500 --baud $baud $DIR/optiboot.fwpk"
    row "Optiboot, m328p ${mhz} MHz" "$baud" 10 "fwpack" 31744
    cmd="avrdude -q -q -c arduino -p m328p -P PORT -b $baud -U flash:w:$DIR/optiboot.hex:i"
    row "Optiboot, m328p ${mhz} MHz" "$baud" 10 "avrdude" 31744
done

emu="avr109_emu --baud 115200"
cmd="$FWPACK flash -p $DIR/pub.pem --port PORT --protocol avr109 $DIR/avr109.fwpk"
row "AVR109 emulator, m328p" 115200 10 "fwpack" 32768
cmd="avrdude -q -q -c avr109 -p m328p -P PORT -b 115200 -U flash:w:$DIR/avr109.hex:i"
row "AVR109 emulator, m328p" 115200 10 "avrdude" 32768

emu="an3155_emu --baud 115200"
cmd="$FWPACK flash -p $DIR/pub.pem --port PORT --protocol stm32 $DIR/stm32.fwpk"
row "AN3155 emulator, G030K8" 115200 11 "fwpack" 32768
cmd="stm32flash -m 8n1 -b 115200 -w $DIR/stm32.bin -v -g 0x0 PORT"
row "AN3155 emulator, G030K8" 115200 11 "stm32flash" 32768

echo "(s: wall clock of the tool on the emulated target, flash times included; to/from tgt:"
echo " bytes on the line; wire s: those bytes on a real line at that baud, 8N1 or 8E1.  simavr's"
echo " UART timing is not a real line's (about 11 bit times a byte at 16 MHz, fewer at 8 MHz);"
echo " avrdude -c arduino also waits 300 ms for a DTR reset, which a pty cannot do)"
