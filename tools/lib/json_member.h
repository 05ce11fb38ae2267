/*
 * json_member.h - one member of a JSON object, as text (json_member.c).
 */
#ifndef FWPACK_JSON_MEMBER_H
#define FWPACK_JSON_MEMBER_H

#include "fwpack.h"

/* Checks that text[0..len) is one JSON object and looks up its member
 * 'key' (the first, if repeated): 1 with the value in val (a string
 * unescaped, anything else its raw JSON; *is_string says which, if not
 * NULL), 0 when there is no such member, -1 when the text is not one JSON
 * object. */
int fwp_json_member(const char *text, size_t len, const char *key,
                    fwp_buf *val, int *is_string);

#endif
