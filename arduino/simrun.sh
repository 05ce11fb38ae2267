#!/bin/sh
# simrun.sh SIMAVR_PTY FWPACK AGENT_HEX APP_HEX CONTAINER EXPECT_BIN OUT
#
# One boot of the UnoUpdateAgent sketch (its ATmega2560 build) in simavr,
# with the application APP_HEX in its active slot, against fwpack's
# Notecard emulator serving CONTAINER on the sketch's serial port (make
# arduino-sim).  Passes when the Notecard heard the outcome (dfu.status
# stop) and the active slot then holds EXPECT_BIN byte for byte: the new
# image after a good update, the old one after a refused container.
# Prints one line; the logs are in OUT.
set -eu
simavr=$1 fwpack=$2 agent=$3 app=$4 box=$5 expect=$6 out=$7
active=$((0x10000))
rm -rf "$out" && mkdir -p "$out"
"$simavr" -m atmega2560 --port-file "$out/port" --dump "$out/flash.bin" \
    --log "$out/simavr.log" "$agent" "$app" &
sim=$!
trap 'kill $sim 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$out/port" ] && break; sleep 0.1; done
[ -s "$out/port" ] || { echo "simrun: simavr_pty made no port" >&2; exit 1; }
# Opening the port resets the AVR, as an Arduino's auto-reset does.
timeout 600 "$fwpack" notecard "$box" --port "$(cat "$out/port")" --once --json \
    --log "$out/notecard.log" >"$out/report.json" || {
    echo "simrun: $box: the Notecard emulator failed or timed out (logs in $out)" >&2
    exit 1
}
# The agent reports before it commits: wait for the copy and the jump,
# until the application ends the simulation ("done").
for _ in $(seq 3000); do grep -q '^done' "$out/simavr.log" && break; sleep 0.1; done
kill $sim && wait $sim || true
grep -q '^done' "$out/simavr.log" || {
    echo "simrun: $box: the application did not start (logs in $out)" >&2
    exit 1
}
trap - EXIT
report=$(sed -n 's/.*"report": *"\([^"]*\)".*/\1/p' "$out/report.json")
len=$(wc -c <"$expect")
if ! dd if="$out/flash.bin" bs=1 skip=$active count="$len" 2>/dev/null | cmp -s - "$expect"; then
    echo "simrun: $box: the active slot does not hold $(basename "$expect") (Notecard told: $report)" >&2
    exit 1
fi
echo "arduino: simavr atmega2560 UnoUpdateAgent: $(basename "$box"): Notecard told \"$report\"; active slot holds $(basename "$expect")"
