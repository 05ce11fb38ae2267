#!/bin/sh
# run-qemu.sh - run a bare-metal ELF on QEMU's mps2-an385 (Cortex-M3) with
# semihosting and instruction counting (-icount shift=0: 1 timer0 tick =
# 40 instructions), under a timeout.
#
#   run-qemu.sh [--load FILE@ADDR]... PROG.elf [ARGS...]
#
# --load puts a raw binary into memory before reset (QEMU's generic
# loader), e.g. the application already "in flash".  ARGS reach the
# program as argv[1..] (semihosting command line).  The exit status is the
# program's (SYS_EXIT_EXTENDED), 124 on timeout (QEMU_TIMEOUT, default 30
# seconds).  Output (semihosting stdout/stderr) goes to stdout/stderr.
set -eu
QEMU=${QEMU:-qemu-system-arm}
command -v "$QEMU" >/dev/null 2>&1 || {
    echo "run-qemu.sh: $QEMU not found (apt-get install qemu-system-arm)" >&2
    exit 127
}
loads=""
while [ $# -gt 0 ]; do
    case $1 in
    --load)
        [ $# -ge 2 ] || { echo "run-qemu.sh: --load needs FILE@ADDR" >&2; exit 2; }
        f=${2%@*} a=${2##*@}
        [ -f "$f" ] || { echo "run-qemu.sh: $f: no such file" >&2; exit 2; }
        loads="$loads -device loader,file=$f,addr=$a"
        shift 2 ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || { echo "usage: run-qemu.sh [--load FILE@ADDR]... PROG.elf [ARGS...]" >&2; exit 2; }
elf=$1
shift
# shellcheck disable=SC2086  # $loads is a list of words
exec timeout "${QEMU_TIMEOUT:-30}" "$QEMU" -M mps2-an385 -nographic \
    -monitor none -serial null -semihosting -icount shift=0 \
    -kernel "$elf" $loads ${1+-append "$*"} </dev/null
