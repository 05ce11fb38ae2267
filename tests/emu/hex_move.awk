# hex_move.awk - moves the data records of an Intel HEX file by DELTA
# bytes (16-bit addresses, no extended address records), except a record
# that starts at KEEP, which stays where it is; checksums recomputed.
#
#   awk -v delta=-512 -v keep=32766 -f hex_move.awk IN.hex > OUT.hex
#
# For Debian 12's optiboot_atmega328.hex: its code is 532 bytes, built for
# the 512-byte boot section at 0x7e00, so it runs past the end of the
# ATmega328P's flash (0x7fff) and the 2-byte .version record at 0x7ffe
# lands on two of its own code bytes.  Moved by -512 into a 1 KiB boot
# section (0x7c00, BOOTSZ = 512 words) with the version word kept at
# 0x7ffe, the code is the same bytes as Debian's optiboot.c compiled for
# 0x7c00 (relative jumps and calls only): tests/test_outboard_stk500.c
# checks that.
function hexval(s,    i, v) {
    v = 0
    s = toupper(s)
    for (i = 1; i <= length(s); i++)
        v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
    return v
}
BEGIN { delta += 0; keep += 0 }
{
    sub(/\r$/, "")
    type = hexval(substr($0, 8, 2))
    addr = hexval(substr($0, 4, 4))
    if (substr($0, 1, 1) != ":" || type != 0 || addr == keep) {
        print
        next
    }
    addr += delta
    if (addr < 0 || addr > 65535) {
        print "hex_move.awk: line " NR ": address out of range" > "/dev/stderr"
        exit 1
    }
    n = hexval(substr($0, 2, 2))
    data = substr($0, 10, 2 * n)
    sum = n + int(addr / 256) + addr % 256
    for (i = 0; i < n; i++)
        sum += hexval(substr(data, 2 * i + 1, 2))
    printf ":%02X%04X00%s%02X\n", n, addr, data, (256 - sum % 256) % 256
}
