/*
 * manifest.h - the manifest reader's internal helpers (the reader itself,
 * fwpk_manifest_parse, is in fwpk_verify.h).
 */
#ifndef FWPK_MANIFEST_H
#define FWPK_MANIFEST_H

#include "fwpk_verify.h"

/* Is the string t of the manifest bytes cbor exactly the C string c? */
int fwpk_text_is(const uint8_t *cbor, const fwpk_text *t, const char *c);

#endif
