#!/bin/sh
# fit.sh SIZE ELF NAME PART REGION FLASH RAM [BOOT_SECTION]
# One line: an Arduino example's flash and RAM beside its part's limits
# (make arduino-lib, make check).  SIZE is the toolchain's size program;
# REGION the flash the sketch may use (below its active slot), FLASH and
# RAM the part's; BOOT_SECTION, for AVR, the size of the boot section its
# .bootspm routines must fit.  Exit 0 whether it fits or not: the line
# says so ("fits", or "DOES NOT FIT: ...").
set -eu
size=$1 elf=$2 name=$3 part=$4 region=$5 flash=$6 ram=$7 boot=${8:-}
$size -A "$elf" | awk -v name="$name" -v part="$part" -v region="$region" \
    -v flash="$flash" -v ram="$ram" -v boot="$boot" '
    $1 == ".text" || $1 == ".ARM.exidx" || $1 == ".rodata" { code += $2 }
    $1 == ".data" { data += $2 }
    $1 == ".bss" || $1 == ".noinit" { bss += $2 }
    $1 == ".bootspm" { spm += $2 }
    END {
        used = code + data; stat = data + bss; bad = ""
        if (used > region) bad = bad " flash"
        if (stat > ram) bad = bad " RAM"
        line = sprintf("arduino: %s (%s): flash %d of %d bytes below the active slot (the part has %d), ", \
                       name, part, used, region, flash)
        if (boot != "") {
            line = line sprintf("boot section %d of %d bytes, ", spm, boot)
            if (spm > boot) bad = bad " boot-section"
        }
        line = line sprintf("RAM %d of %d bytes before the stack", stat, ram)
        print line ": " (bad == "" ? "fits" : "DOES NOT FIT:" bad)
    }'
