#!/bin/sh
# mklib.sh OUT VERSION KEYRING - writes the fwpack Arduino library into OUT
# (make arduino-lib; run from the fwpack tree's root).  Everything in it is
# copied or generated from the tree, never kept twice in git:
#   library.properties        arduino/library.properties.in, VERSION
#   src/fwpack.h, fwpk_config.[ch], fwpk_agent.[ch]   arduino/src
#   src/fwpk_verify.h         verifier/include, with fwpk_config.h included
#                             first (the options must reach every file)
#   src/fwpk_notecard.h       verifier/include
#   src/fwpk_format.h         format/
#   src/verifier/             verifier/src: the verifier, the Notecard client
#   src/abboot/               examples/abboot: the A/B update logic
#   examples/*/               arduino/examples, with KEYRING as keyring.h;
#                             the Uno agent gets examples/avr/boot/spm.[ch]
#   README.md                 arduino/README.md
set -eu
out=$1 version=$2 keyring=$3
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp/src/verifier" "$tmp/src/abboot"
sed "s/@VERSION@/$version/" arduino/library.properties.in >"$tmp/library.properties"
cp arduino/src/*.h arduino/src/*.c "$tmp/src/"
{
    echo '#include "fwpk_config.h" /* added by make arduino-lib */'
    cat verifier/include/fwpk_verify.h
} >"$tmp/src/fwpk_verify.h"
cp verifier/include/fwpk_notecard.h format/fwpk_format.h "$tmp/src/"
cp verifier/src/*.c verifier/src/*.h "$tmp/src/verifier/"
cp examples/abboot/*.c examples/abboot/*.h "$tmp/src/abboot/"
for ex in arduino/examples/*/; do
    name=$(basename "$ex")
    mkdir -p "$tmp/examples/$name"
    cp "$ex"/*.ino "$tmp/examples/$name/"
    cp "$keyring" "$tmp/examples/$name/keyring.h"
done
cp examples/avr/boot/spm.c examples/avr/boot/spm.h "$tmp/examples/UnoUpdateAgent/"
cp arduino/README.md "$tmp/README.md"
rm -rf "$out"
mv "$tmp" "$out"
