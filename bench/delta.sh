#!/bin/sh
# bench/delta.sh FWPACK PAIRS_DIR WORK_DIR - delta updates (issue 18):
# per pair of mk/delta-pairs.mk, the full container, fwpack's delta
# container (deflate and LZMA), bsdiff's and xdelta3 -9's patches of the
# same two images (as the device holds them: objcopy -O binary, gaps 0xFF),
# beside issue 18's goals; then the applier's flash and RAM on Cortex-M0+.
# Figures only: exits 0 unless a step fails.
set -e
FWPACK=$1 PAIRS=$2 WORK=$3
mkdir -p "$WORK"
export SOURCE_DATE_EPOCH=1700000000
KEY=$WORK/key.pem
[ -f "$KEY" ] || "$FWPACK" keygen -o "$KEY" >/dev/null

size() { wc -c < "$1" | tr -d ' '; }

raw() { # ELF -> the bytes a device holds
    case $1 in
    *rv32*) riscv64-unknown-elf-objcopy -O binary --gap-fill 0xff "$1" "$2" ;;
    *) arm-none-eabi-objcopy -O binary --gap-fill 0xff "$1" "$2" ;;
    esac
}

printf '%-24s %7s %7s %8s %7s %7s %7s %6s  %s\n' pair full delta delta-lz \
    payload bsdiff xdelta3 delta% goal
for p in cm0-app-v1:cm0-app-edit:nrf52840 cm0-app-v1:cm0-app-const:nrf52840 \
         cm0-app-v1:cm0-app-add:nrf52840 rv32-app-v1:rv32-app-edit:esp32c3 \
         rv32-app-v1:rv32-app-const:esp32c3 rv32-app-v1:rv32-app-add:esp32c3 \
         cm4-newlib-v1:cm4-newlib-libup:nrf52840 \
         cm4-newlib-v1:cm4-newlib-edit:nrf52840; do
    old=${p%%:*} rest=${p#*:} new=${rest%%:*} mcu=${p##*:}
    o=$PAIRS/$old.elf n=$PAIRS/$new.elf w=$WORK/$new
    "$FWPACK" pack -q -k "$KEY" --mcu "$mcu" --version 1.0.0 "$o" -o "$w.v1.fwpk"
    "$FWPACK" pack -q -k "$KEY" --mcu "$mcu" --version 1.1.0 "$n" -o "$w.full.fwpk"
    "$FWPACK" pack -q -k "$KEY" --mcu "$mcu" --version 1.1.0 --base "$w.v1.fwpk" \
        "$n" -o "$w.delta.fwpk"
    "$FWPACK" pack -q -k "$KEY" --mcu "$mcu" --version 1.1.0 --codec lzma \
        --base "$w.v1.fwpk" "$n" -o "$w.deltalz.fwpk"
    raw "$o" "$w.old.bin"
    raw "$n" "$w.new.bin"
    bsdiff "$w.old.bin" "$w.new.bin" "$w.bsdiff"
    xdelta3 -9 -f -e -s "$w.old.bin" "$w.new.bin" "$w.xd3"
    full=$(size "$w.full.fwpk") d=$(size "$w.delta.fwpk")
    dl=$(size "$w.deltalz.fwpk") bs=$(size "$w.bsdiff") xd=$(size "$w.xd3")
    best=$(( d < dl ? d : dl )) bf=$w.delta.fwpk
    [ "$dl" -lt "$d" ] && bf=$w.deltalz.fwpk
    pl=$("$FWPACK" inspect --json "$bf" | grep -o '"payload_size":[0-9]*' | cut -d: -f2)
    case $new in
    *libup) goal="< bsdiff and xdelta3: $([ "$best" -lt "$bs" ] && [ "$best" -lt "$xd" ] && echo met || echo NOT met)" ;;
    *edit) goal="<= 5% of full: $([ $((best * 20)) -le "$full" ] && echo met || echo NOT met); < bsdiff: $([ "$best" -lt "$bs" ] && echo met || echo "NOT met (payload $([ "$pl" -lt "$bs" ] && echo is || echo is not) smaller)")" ;;
    *) goal="-" ;;
    esac
    printf '%-24s %7s %7s %8s %7s %7s %7s %5s%%  %s\n' "$old>${new##*-}" \
        "$full" "$d" "$dl" "$pl" "$bs" "$xd" \
        "$(awk "BEGIN { printf \"%.1f\", 100 * $best / $full }")" "$goal"
done
echo "(bytes; full: deflate container; delta/delta-lz: the delta container"
echo " with deflate/LZMA, its signed prefix of ~560 bytes included; payload:"
echo " the smaller one's compressed patch alone; bsdiff and xdelta3 -9: the"
echo " bare patches, no signature or metadata)"

# The applier on the device: its code (patch.c, arm-none-eabi-gcc -Os,
# Cortex-M0+, what the linker keeps of it) and its state in fwpk_ctx.
CC="arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os -std=c99 -ffunction-sections"
INC="-Iverifier/include -Iformat -Iverifier/src"
$CC $INC -c verifier/src/patch.c -o "$WORK/patch.o"
printf '#include "fwpk_verify.h"\nchar patch_state[sizeof(fwpk_patch)];\n' > "$WORK/state.c"
$CC $INC -c "$WORK/state.c" -o "$WORK/state.o"
code=$(arm-none-eabi-size -A "$WORK/patch.o" | awk '/^\.text/ { s += $2 } END { print s }')
ram=$(arm-none-eabi-nm -S -t d "$WORK/state.o" | awk '/patch_state/ { print $2 + 0 }')
echo "patch applier, Cortex-M0+ -Os: $code bytes of code (goal <= 1024), $ram bytes of state (goal <= 128 beyond the codec's)"
