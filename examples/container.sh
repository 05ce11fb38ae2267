# container.sh - container surgery for the example scripts (sourced, POSIX sh):
# find frames and flip bits, to show that the verifier refuses the result.
# Offsets follow format/SPEC.md sections 1 (layout), 5 (signature block) and
# 6 (frames).

FRAME_HEADER=34 # FWPK_FRAME_HEADER_LEN: 2-byte length + 32-byte hash of the next frame

byte() { od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' \n'; }
u16le() { echo $(($(byte "$1" "$2") + 256 * $(byte "$1" $(($2 + 1))))); }

# Prints "OFFSET LEN" of every frame of container $1.
frames() {
    size=$(wc -c <"$1")
    s=$((12 + $(u16le "$1" 6) + $(u16le "$1" 8)))
    off=$((s + 1 + 72 * $(byte "$1" "$s")))
    while [ "$off" -lt "$size" ]; do
        len=$(u16le "$1" "$off")
        echo "$off $len"
        off=$((off + FRAME_HEADER + len))
    done
}

# Flips the lowest bit of the byte at offset $2 of file $1, in place.
flip() {
    b=$(byte "$1" "$2")
    printf "$(printf '\\%03o' $((b ^ 1)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Writes to $2 a copy of container $1 with one bit flipped in the middle of
# its middle frame's payload; says where.
tamper_middle_frame() {
    n=$(frames "$1" | wc -l)
    [ "$n" -gt 0 ] || { echo "$1: no frames" >&2; return 1; }
    set -- "$1" "$2" $(frames "$1" | sed -n "$((n / 2 + 1))p")
    pos=$(($3 + FRAME_HEADER + $4 / 2))
    cp "$1" "$2.tmp"
    flip "$2.tmp" "$pos"
    mv "$2.tmp" "$2"
    echo "tampered copy $2: one bit flipped at offset $pos, in the middle of frame $((n / 2 + 1)) of $n"
}

# Writes to $2 a copy of container $1 with one bit flipped in the middle of
# its last frame's payload (a frame the verifier reaches after writing the
# ones before it); says where.
tamper_last_frame() {
    set -- "$1" "$2" $(frames "$1" | tail -n 1)
    [ $# -eq 4 ] || { echo "$1: no frames" >&2; return 1; }
    pos=$(($3 + FRAME_HEADER + $4 / 2))
    cp "$1" "$2.tmp"
    flip "$2.tmp" "$pos"
    mv "$2.tmp" "$2"
    echo "tampered copy $2: one bit flipped at offset $pos, in the middle of the last frame"
}

# Writes to $2 a copy of container $1 with one bit flipped in the first
# signature (SPEC.md 5: count, then 8-byte key id and 64-byte signature).
tamper_signature() {
    s=$((12 + $(u16le "$1" 6) + $(u16le "$1" 8)))
    pos=$((s + 1 + 8 + 32))
    cp "$1" "$2.tmp"
    flip "$2.tmp" "$pos"
    mv "$2.tmp" "$2"
    echo "tampered copy $2: one bit flipped at offset $pos, in the first signature"
}
