/*
 * cmd_verify.c - fwpack verify: runs the device verifier (the code that
 * goes into bootloaders) over a container on the host, as a device with
 * these keys and this policy would, on a NOR flash model.
 */
#include <stdio.h>
#include <string.h>

#include "verify_run.h"

static const char help[] =
    "usage: fwpack verify -p PUB.pem [-p PUB2.pem ...] [options] FILE.fwpk\n"
    "\n"
    "FILE - reads the container from stdin.\n"
    "Runs the device verifier (libfwpk_verify) over FILE, fed N bytes at a\n"
    "time like a bootloader's dfu.get loop, with a NOR flash model as its\n"
    "flash: signatures, policy, every frame's hash, inflate, the writes and\n"
    "the image digest.  The flash geometry (erase block, write unit) and the\n"
    "allowed window, [flash base, flash base + flash size), are the target's\n"
    "own, from the manifest.  Without --target every target is verified in\n"
    "turn, each in a full pass over the file, as its own device would.\n"
    "\n"
    "Prints one line per target:\n"
    "  FILE: ok, target NAME (MCU), version V, N bytes in S segments, signed\n"
    "  by K trusted keys                                       (stdout)\n"
    "  fwpack: FILE: refused at offset N: REASON               (stderr)\n"
    "(with several targets: \"fwpack: FILE: target NAME: refused ...\").  N\n"
    "counts the container bytes the verifier had consumed when it refused,\n"
    "up to the end of the part it refused (header, manifest, signature\n"
    "block, frame; within the info string, of the piece fed).\n"
    "Exit 0 when every target verified, 1 when one was refused.\n"
    "\n"
    "  -p, --pubkey FILE             a trusted public key (PEM or DER, or a\n"
    "                                private key file); repeat for a keyring\n"
    "      --target NAME             verify only this target\n"
    "      --mcu ID                  require the target's MCU id to be ID\n"
    "      --min-security-counter N  refuse a lower security counter (0)\n"
    "      --min-signatures N        valid signatures by different trusted\n"
    "                                keys needed (1)\n"
    "      --chunk N                 bytes per fwpk_feed() call, 1..1048576\n"
    "                                (4096)\n"
    VR_HELP_MODE
    "      --base OLD                a delta target's base: the image the\n"
    "                                device runs (any input format, or the\n"
    "                                container that installed it)\n"
    "      --json                    print one JSON object instead: file, ok,\n"
    "                                version, then target, error, offset and\n"
    "                                image_size of the first refused target\n"
    "                                (else the first target), chunk, mode,\n"
    "                                and\n"
    "                                \"targets\": every pass in full (the\n"
    "                                failure lines still go to stderr)\n"
    "  -v, --verbose                 also the key ids, flash geometry, codec,\n"
    "                                pieces fed, erases and writes\n"
    "  -h, --help                    this text\n";

int cmd_verify(int argc, char **argv)
{
    vr_opts o;
    vr_run r;
    memset(&o, 0, sizeof o);
    o.cmd = "verify";
    int rc = vr_parse(&o, argc, argv, help);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    rc = vr_execute(&r, &o);
    if (rc == EXIT_OK || rc == EXIT_VERIFY) {
        if (o.json) {
            fwp_buf b = {0};
            vr_json(&b, &r, NULL, NULL);
            cli_json_print(&b);
            fwp_buf_free(&b);
            vr_print_failures(&r);
        } else {
            vr_print_text(&r);
        }
    }
    vr_free(&r);
    return rc;
}
