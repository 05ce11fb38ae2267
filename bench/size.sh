#!/bin/sh
# size.sh - flash and RAM the verifier costs on each cross target (make size).
#
#   sh bench/size.sh CROSS_DIR BUDGETS TARGET=TOOLPREFIX...
#   e.g. sh bench/size.sh build/cross bench/size_budgets cortex-m0plus=arm-none-eabi-
#
# Reads what make cross left in CROSS_DIR/TARGET/: obj/*.o (one per verifier
# source file, with .su and, for gcc >= 10, .ci files), bench/size_ctx.o,
# bench/size_libc.o and, if it linked, size_main.elf and size_main.map.
#
# Output, per target, lines "TARGET COMPONENT BYTES" (lines starting with '#'
# are comments):
#   <component>     flash = text+rodata+data of the component's object file,
#                   -Os, before --gc-sections (sha512, ed25519, inflate, ...)
#   libc, libgcc    flash those pull into the linked harness (memcpy & co. from
#                   bench/size_libc.c; compiler helpers such as 64-bit
#                   multiply/divide)
#   ram.ctx         sizeof(fwpk_ctx) as this target's compiler lays it out
#   ram.buffers     sizeof ctx.mem (the frame/manifest buffer, the codec ring and state)
#   ram.static      .data/.bss the linked verifier adds (on AVR also .rodata,
#                   which avr-gcc copies to RAM unless it is PROGMEM)
#   ram.stack.<c>   worst-case stack of the deepest call chain starting in
#                   component <c>
#   ram.stack       worst-case stack of the verifier's API (fwpk_begin,
#                   fwpk_feed, fwpk_finish, fwpk_resume_begin/_skip)
#   ram.beyond      ram.ctx - ram.buffers + ram.static + ram.stack: the RAM
#                   the verifier costs beyond the frame buffer and the window
#   ram.all         ram.ctx + ram.static + ram.stack
#   total           flash of everything fwpk_begin/fwpk_feed/fwpk_finish pull
#                   in: the linked harness (bench/size_main.c, --gc-sections)
#                   minus the harness's own code, data and startup (size_main.o,
#                   crt*.o, vectors, .init/.fini); if the harness did not link,
#                   the sum of the component objects (marked in a comment)
# then every figure named in BUDGETS beside its budget, with ok or OVER.
#
# Worst-case stack: each function's frame comes from gcc's -fstack-usage
# (.su; on AVR it includes the 2-byte return address, on ARM and RISC-V the
# saved lr/ra).  The call graph comes from gcc's -fcallgraph-info=su (.ci)
# where the compiler has it (gcc >= 10: ARM, RISC-V) and otherwise (avr-gcc
# 5.4) from the call/jump relocations of the objects (R_AVR_CALL,
# R_AVR_13_PCREL) plus icall/ijmp for indirect calls.  An indirect call may
# reach any function of another object file whose address is taken (a
# relocation to it that is not a call: the sinks stream.c hands to inflate and
# filter), but never a function of the Notecard client (nc_*.c, which calls
# the verifier, not the other way round); a module is assumed to call its
# own functions directly.  The indirect calls of writer.c, history.c and
# resume.c (fwpk_flash's erase, write, read, checkpoint) and of nc_i2c.c and
# nc_link.c (the Notecard transport) are the bootloader's callbacks, whose
# own stack is not counted (the call is, in the caller's frame).  The figure is
# the longest frame-weighted path; tail calls are counted as calls (slight
# overestimate); recursion and dynamic (alloca/VLA) frames are flagged, as
# are callees with no .su (libgcc helpers, counted as 0).  Interrupts that
# may nest on the bootloader's stack are not included.
#
# The figures are never asserted: make size prints OVER beside a figure above
# its budget and still exits 0.  Budgets are tracked through this table and
# bench/RESULTS.md, not by failing the build.
#
# POSIX sh and awk only.

set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 CROSS_DIR BUDGETS TARGET=TOOLPREFIX..." >&2
    exit 0
fi
cross=$1
budgets=$2
shift 2

tmp=${TMPDIR:-/tmp}/fwpk-size.$$
mkdir -p "$tmp" || exit 0
trap 'rm -rf "$tmp"' EXIT INT TERM
: > "$tmp/figures"

echo "# make size: verifier flash and RAM per target (bytes); see bench/size.sh for the method"

for spec in "$@"; do
    t=${spec%%=*}
    p=${spec#*=}
    d=$cross/$t
    if [ ! -d "$d/obj" ]; then
        echo "# $t: nothing built in $d (run make cross)"
        continue
    fi
    ram_rodata=0
    case $p in avr-*) ram_rodata=1 ;; esac
    echo "# ---- $t ($p""gcc)"

    # -- flash per component object: sum of its text/rodata/data sections
    comps=""
    sum=0
    for o in "$d"/obj/*.o; do
        [ -f "$o" ] || continue
        c=$(basename "$o" .o)
        n=$("$p"size -A "$o" | awk '
            $1 ~ /^\.(text|rodata|data|sdata|srodata|progmem|ARM\.exidx|ARM\.extab)/ { s += $2 }
            END { print s + 0 }')
        echo "$t $c $n"
        comps="$comps $c"
        sum=$((sum + n))
    done

    # -- the linked harness: verifier, libc and libgcc parts of the map
    linked=0
    static=""
    if [ -f "$d/size_main.elf" ] && [ -f "$d/size_main.map" ]; then
        linked=1
        "$p"objdump -h "$d/size_main.elf" | awk '
            $1 ~ /^[0-9]+$/ && NF >= 7 { name = $2; next }
            name != "" {
                f = ($0 ~ /ALLOC/ && $0 ~ /LOAD/ && $0 ~ /CONTENTS/) ? 1 : 0
                r = ($0 ~ /ALLOC/ && $0 !~ /READONLY/) ? 1 : 0
                print "S", name, f, r
                name = ""
            }' > "$tmp/sections"
        awk -v ram_rodata="$ram_rodata" '
            function hex(s,   i, n, ch) {
                s = tolower(s); sub(/^0x/, "", s); n = 0
                for (i = 1; i <= length(s); i++) {
                    ch = index("0123456789abcdef", substr(s, i, 1))
                    if (ch == 0) break
                    n = n * 16 + ch - 1
                }
                return n
            }
            function owner(file, sec,   m) {
                if (file ~ /size_main\.o$/ || file ~ /(^|\/)crt[^\/]*\.o$/) return "harness"
                if (sec ~ /^\.(vectors|init[0-9]*|fini[0-9]*)$/) return "harness"
                if (file ~ /size_libc\.o$/) return "libc"
                if (file ~ /libfwpk_verify\.a\(/) {
                    m = file; sub(/.*\(/, "", m); sub(/\.o\)$/, "", m); return m
                }
                if (file ~ /libgcc\.a\(/) return "libgcc"
                if (file ~ /libc\.a\(/ || file ~ /libc_nano\.a\(/) return "libc"
                if (file == "linker" || file ~ /stubs$/) return "linker"
                return "other"
            }
            function add(sec, size, file,   o) {
                if (out == "" || size == 0) return
                o = owner(file, sec)
                if (o == "harness") return
                if (flash[out]) fl[o] += size
                if (ram[out] || (ram_rodata && sec ~ /^\.rodata/)) rm[o] += size
                seen[o] = 1
            }
            FILENAME == ARGV[1] { flash[$2] = $3; ram[$2] = $4; next }
            /^Linker script and memory map/ { go = 1; next }
            !go { next }
            /^[^ ]/ { out = ($1 ~ /^\./) ? $1 : ""; pend = ""; next }
            pend != "" && /^ +0x/ && NF >= 3 {
                file = $3; for (i = 4; i <= NF; i++) file = file " " $i
                add(pend, hex($2), file); pend = ""; next
            }
            /^ [^ *]/ {
                pend = ""
                if (NF >= 4 && $2 ~ /^0x/) {
                    file = $4; for (i = 5; i <= NF; i++) file = file " " $i
                    add($1, hex($3), file)
                } else if (NF == 1) pend = $1
                next
            }
            { pend = "" }
            END {
                for (o in seen) print o, fl[o] + 0, rm[o] + 0
            }' "$tmp/sections" "$d/size_main.map" > "$tmp/linked"
        total=$(awk '{ s += $2 } END { print s + 0 }' "$tmp/linked")
        static=$(awk '{ s += $3 } END { print s + 0 }' "$tmp/linked")
        for c in libc libgcc; do
            awk -v t="$t" -v c="$c" '$1 == c { print t, c, $2; f = 1 }
                END { if (!f) print t, c, 0 }' "$tmp/linked"
        done
        sort "$tmp/linked" | awk '$1 != "libc" && $1 != "libgcc" { printf " %s %d", $1, $2 }' |
            sed 's/^/# linked flash per component:/'; echo
    else
        total=$sum
        if [ -f "$d/size_main.link-log" ]; then
            echo "# $t: harness not linked ($d/size_main.link-log); total = sum of component objects"
        else
            echo "# $t: harness not linked; total = sum of component objects"
        fi
    fi

    # -- sizeof probes
    eval "$("$p"nm -S "$d/bench/size_ctx.o" 2>/dev/null | awk '
        function hex(s,   i, n, ch) {
            s = tolower(s); n = 0
            for (i = 1; i <= length(s); i++) {
                ch = index("0123456789abcdef", substr(s, i, 1))
                if (ch == 0) break
                n = n * 16 + ch - 1
            }
            return n
        }
        NF == 4 && $4 == "fwpk_size_ctx" { print "ctx=" hex($2) }
        NF == 4 && $4 == "fwpk_size_buffers" { print "buffers=" hex($2) }
        NF == 4 && $4 == "fwpk_size_manifest" { print "manifest=" hex($2) }')"
    : "${ctx:=0}" "${buffers:=0}" "${manifest:=0}"

    # -- static RAM without a link: data/bss of the objects
    if [ -z "$static" ]; then
        static=0
        for o in "$d"/obj/*.o; do
            [ -f "$o" ] || continue
            n=$("$p"size -A "$o" | awk -v r="$ram_rodata" '
                $1 ~ /^\.(data|sdata|bss|sbss)/ || (r && $1 ~ /^\.rodata/) { s += $2 }
                END { print s + 0 }')
            static=$((static + n))
        done
    fi

    # -- worst-case stack: frames (.su), calls (.ci or relocations), address-taken
    : > "$tmp/graph"
    for su in "$d"/obj/*.su "$d/bench/size_libc.su"; do
        [ -f "$su" ] || continue
        c=$(basename "$su" .su)
        [ "$c" = size_libc ] && c=libc
        awk -F '\t' -v c="$c" '{ n = $1; sub(/.*:/, "", n); print "F", n, $2 + 0, ($3 ~ /dynamic/ ? "dynamic" : "static"), c }' "$su" >> "$tmp/graph"
    done
    for o in "$d"/obj/*.o "$d/bench/size_libc.o"; do
        [ -f "$o" ] || continue
        ci=${o%.o}.ci
        if [ -f "$ci" ]; then
            awk -F '"' '/^edge:/ { s = $2; c = $4; sub(/.*:/, "", s); sub(/.*:/, "", c); print "E", s, c }' "$ci" >> "$tmp/graph"
        else
            "$p"objdump -dr "$o" | awk '
                function fn(s) {
                    sub(/[+-]0x[0-9a-fA-F]+$/, "", s)
                    sub(/^\.text\.((unlikely|startup|hot|exit)\.)?/, "", s)
                    return s
                }
                /^[0-9a-f]+ <[^>]*>:$/ { cur = $2; gsub(/[<>:]/, "", cur); next }
                /R_AVR_CALL|R_AVR_13_PCREL|R_ARM_THM_CALL|R_ARM_THM_JUMP24|R_ARM_CALL|R_RISCV_CALL/ {
                    tg = fn($NF); if (tg != cur && cur != "") print "E", cur, tg; next
                }
                /\t(e?icall|e?ijmp)/ { if (cur != "") print "E", cur, "__indirect_call" }' >> "$tmp/graph"
        fi
        "$p"objdump -r "$o" | awk '
            NF == 3 && $2 ~ /^R_/ && $2 !~ /CALL|JUMP|JAL|BRANCH|RELAX|ALIGN|_7_PCREL|_13_PCREL|DIFF|NONE/ {
                s = $3
                if (s ~ /^\.text\./) {
                    if (s ~ /[+-]0x/) next
                    sub(/^\.text\.((unlikely|startup|hot|exit)\.)?/, "", s)
                } else sub(/[+-]0x[0-9a-fA-F]+$/, "", s)
                print "A", s
            }' >> "$tmp/graph"
    done
    awk -v callback_modules='^(writer|history|resume|nc_i2c|nc_link)$' '
        $1 == "F" { frame[$2] = $3; comp[$2] = $5; if ($4 == "dynamic") dyn[$2] = 1; next }
        $1 == "E" { if (!(($2, $3) in seen)) { seen[$2, $3] = 1; n[$2]++; callee[$2, n[$2]] = $3 }; next }
        $1 == "A" { taken[$2] = 1; next }
        function depth(f,   i, c, d, best, t, how) {
            if (f in memo) return memo[f]
            if (f in onstack) { recursive[f] = 1; return 0 }
            onstack[f] = 1
            best = 0; via[f] = ""
            for (i = 1; i <= n[f]; i++) {
                c = callee[f, i]
                if (c == "__indirect_call") {
                    indirect[f] = 1
                    # the bootloader callback modules call only the
                    # bootloader (fwpk_flash, the Notecard transport): its
                    # stack is not counted
                    if (comp[f] ~ callback_modules) continue
                    # a module calls its own functions directly: an
                    # indirect call reaches address-taken functions of other
                    # objects (the sinks stream.c hands to inflate/filter),
                    # never the Notecard client, which calls the verifier
                    # and not the other way round; with none, it is a
                    # bootloader callback (not counted)
                    for (t in taken) if ((t in frame) && comp[t] != comp[f] && !(t in onstack) &&
                                        !(comp[t] ~ /^nc_/ && comp[f] !~ /^nc_/)) {
                        d = depth(t)
                        if (d > best) { best = d; via[f] = t }
                    }
                } else if (c in frame) {
                    d = depth(c)
                    if (d > best) { best = d; via[f] = c }
                } else unknown[c] = 1
            }
            delete onstack[f]
            memo[f] = frame[f] + best
            return memo[f]
        }
        END {
            for (f in frame) {
                d = depth(f); c = comp[f]
                if (c == "libc") continue
                if (!(c in cmax) || d > cmax[c]) cmax[c] = d
                # the verifier stack is what its API calls take; other
                # exported functions (fwpk_ed25519_verify with its own
                # workspace, the raw inflate) are for tests and tools
                if (f ~ /^fwpk_(begin|feed|finish|resume_begin|resume_skip)$/ && d > all) { all = d; root = f }
            }
            for (c in cmax) print "C", c, cmax[c]
            print "T", all + 0
            chain = ""
            for (f = root; f != ""; f = via[f]) {
                chain = chain (chain == "" ? "" : " > ") f "(" frame[f] (f in dyn ? ",dynamic" : "") ")"
                if (++guard > 64) break
            }
            print "W", chain
            u = ""; for (c in unknown) u = u " " c
            if (u != "") print "U" u
            r = ""; for (f in recursive) r = r " " f
            if (r != "") print "R" r
            x = ""; for (f in dyn) x = x " " f
            if (x != "") print "D" x
            y = ""; for (f in taken) if (f in frame) y = y " " f
            if (y != "") print "I" y
        }' "$tmp/graph" > "$tmp/stack"
    stack=$(awk '$1 == "T" { print $2 }' "$tmp/stack")

    echo "$t ram.ctx $ctx"
    echo "$t ram.buffers $buffers"
    echo "# $t: sizeof(fwpk_manifest) $manifest (inside ram.ctx)"
    echo "$t ram.static $static"
    for c in $comps; do
        awk -v t="$t" -v c="$c" '$1 == "C" && $2 == c { print t, "ram.stack." c, $3 }' "$tmp/stack"
    done
    echo "$t ram.stack $stack"
    awk -v t="$t" '
        $1 == "W" { sub(/^W /, ""); print "# " t ": deepest chain (frame bytes): " $0 }
        $1 == "U" { sub(/^U /, ""); print "# " t ": callees without .su, counted as 0: " $0 }
        $1 == "R" { sub(/^R /, ""); print "# " t ": RECURSION, stack unbounded through: " $0 }
        $1 == "D" { sub(/^D /, ""); print "# " t ": dynamic frames (alloca/VLA), figure is a lower bound: " $0 }
        $1 == "I" { sub(/^I /, ""); print "# " t ": indirect calls may reach: " $0 }' "$tmp/stack"
    beyond=$((ctx - buffers + static + stack))
    ramall=$((ctx + static + stack))
    echo "$t ram.beyond $beyond"
    echo "$t ram.all $ramall"
    echo "$t total $total"
    if [ $linked = 1 ]; then
        echo "$t flash $total linked" >> "$tmp/figures"
        # issue 17's budget is the LZMA decoder's own flash
        awk -v t="$t" '$1 == "lzmadec" && $2 > 100 { print t, "lzmadec", $2, "linked" }' \
            "$tmp/linked" >> "$tmp/figures"
    else
        echo "$t flash $total unlinked-sum" >> "$tmp/figures"
    fi
    echo "$t ram $beyond -" >> "$tmp/figures"
    echo "$t ramall $ramall -" >> "$tmp/figures"
    unset ctx buffers manifest
done

# -- budgets
echo "# ---- budgets (figures only, never asserted: make size exits 0 either way)"
if [ -f "$budgets" ]; then
    awk '
        FILENAME == ARGV[1] { v[$1, $2] = $3; how[$1, $2] = $4; next }
        /^[ \t]*(#|$)/ { next }
        !hdr { printf "%-17s %-44s %8s %8s  %s\n", "TARGET", "FIGURE", "BYTES", "BUDGET", "STATUS"; hdr = 1 }
        {
            t = $1; f = $2; lim = $3
            if (f == "flash") name = "flash, total"
            else if (f == "ram") name = "RAM beyond frame buffer + window"
            else if (f == "ramall") name = "RAM, all (ctx + static + stack)"
            else if (f == "lzmadec") name = "flash, LZMA decoder (lzmadec.c)"
            else name = f
            if (!((t, f) in v)) { printf "%-17s %-44s %8s %8d  %s\n", t, name, "n/a", lim, "not built"; next }
            if (how[t, f] == "unlinked-sum") name = name " (unlinked sum)"
            printf "%-17s %-44s %8d %8d  %s\n", t, name, v[t, f], lim, (v[t, f] <= lim ? "ok" : "OVER by " v[t, f] - lim)
        }' "$tmp/figures" "$budgets"
else
    echo "# no budget file $budgets"
fi
exit 0
