#!/bin/sh
# size_notecard.sh - the Notecard client's cost on each cross target (make
# size), beside issue 16's goal of 256 bytes of RAM.
#
#   sh bench/size_notecard.sh CROSS_DIR TARGET=TOOLPREFIX...
#
# Per target, from what make cross left in CROSS_DIR/TARGET/:
#   ram     sizeof(fwpk_nc) as that target's compiler lays it out (the probe
#           in bench/size_ctx.c): all the client keeps between calls; the
#           caller's piece and receive buffers come on top
#   flash   text+rodata+data of the client's objects (nc_*.o and md5.o, -Os,
#           before --gc-sections; the client calls all of its functions)
#   rodata  their read-only data: on AVR avr-gcc copies it to RAM unless it
#           is PROGMEM, so there it is RAM too (the request texts, messages)
#   stack   the deepest frame chain inside the client's own objects (gcc's
#           .su; calls into the verifier, fwpk_feed above all, add theirs)
# POSIX sh and awk only; figures, never asserted.

set -u
[ $# -ge 2 ] || { echo "usage: $0 CROSS_DIR TARGET=TOOLPREFIX..." >&2; exit 0; }
cross=$1
shift
goal=256
echo "# Notecard client (fwpk_notecard.h) per target: RAM beside the ${goal}-byte goal, flash"
printf '%-26s %6s %6s %6s %7s %s\n' "# target" ram flash rodata stack ""
for spec in "$@"; do
    t=${spec%%=*}
    p=${spec#*=}
    d=$cross/$t
    [ -f "$d/bench/size_ctx.o" ] || { echo "# $t: not built (make cross)"; continue; }
    ram=$("$p"nm -S "$d/bench/size_ctx.o" |
        awk 'NF == 4 && $4 == "fwpk_size_nc" { print $2 }')
    ram=$((0x${ram:-0}))
    flash=0
    rodata=0
    for o in "$d"/obj/nc_*.o "$d"/obj/md5.o; do
        [ -f "$o" ] || continue
        set -- $("$p"size -A "$o" | awk '
            $1 ~ /^\.(text|rodata|data|sdata|srodata|progmem)/ { f += $2 }
            $1 ~ /^\.(rodata|srodata|data)/ { r += $2 }
            END { print f + 0, r + 0 }')
        flash=$((flash + $1))
        rodata=$((rodata + $2))
    done
    # the largest frame of each object's functions, summed over the call
    # levels of the client: step -> transact -> read -> scan/decode ->
    # md5 (an upper bound: the biggest frame per object, one per level)
    stack=$(cat "$d"/obj/nc_*.su "$d"/obj/md5.su 2>/dev/null | awk -F'\t' '
        { split($1, a, ":"); f = a[1]; if ($2 + 0 > m[f]) m[f] = $2 + 0 }
        END { for (f in m) s += m[f]; print s + 0 }')
    verdict=ok
    [ "${ram:-0}" -le "$goal" ] || verdict=OVER
    case $p in avr-*) note="(rodata is RAM on AVR)" ;; *) note="" ;; esac
    printf '%-26s %6s %6s %6s %7s %s %s\n' "$t" "${ram:-?}" "$flash" "$rodata" "$stack" "$verdict" "$note"
done
