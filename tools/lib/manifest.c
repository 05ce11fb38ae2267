/*
 * manifest.c - the CBOR manifest (format/SPEC.md section 4), encoded with
 * libcbor deterministically: every unsigned integer is built at the width
 * its value needs (libcbor then writes the shortest form), keys are added
 * in ascending order, all lengths are definite.
 */
#include <cbor.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

static cbor_item_t *uint_item(uint32_t v)
{
    if (v <= 0xff)
        return cbor_build_uint8((uint8_t)v);
    if (v <= 0xffff)
        return cbor_build_uint16((uint16_t)v);
    return cbor_build_uint32(v);
}

/* Adds key -> val to map, taking ownership of val; false on failure. */
static bool put(cbor_item_t *map, uint32_t key, cbor_item_t *val)
{
    if (!val)
        return false;
    cbor_item_t *k = uint_item(key);
    if (!k) {
        cbor_decref(&val);
        return false;
    }
    return cbor_map_add(map, (struct cbor_pair){.key = cbor_move(k),
                                                .value = cbor_move(val)});
}

static bool push(cbor_item_t *arr, cbor_item_t *val)
{
    return val && cbor_array_push(arr, cbor_move(val));
}

static cbor_item_t *segments(const fwp_mtarget *t)
{
    cbor_item_t *arr = cbor_new_definite_array(t->seg_count);
    bool ok = arr != NULL;
    for (uint32_t i = 0; ok && i < t->seg_count; i++) {
        cbor_item_t *pair = cbor_new_definite_array(2);
        ok = pair && push(pair, uint_item(t->seg_addr[i])) &&
             push(pair, uint_item(t->seg_len[i]));
        if (!ok) {
            if (pair)
                cbor_decref(&pair);
            break;
        }
        ok = push(arr, pair);
    }
    if (!ok && arr)
        cbor_decref(&arr);
    return ok ? arr : NULL;
}

/* Keys 17..20 only for a delta target (format/SPEC.md 4.2, 6.5). */
static bool delta_keys(cbor_item_t *m, const fwp_mtarget *t)
{
    return put(m, FWPK_T_BASE_SIZE, uint_item(t->base_size)) &&
           put(m, FWPK_T_BASE_DIGEST,
               cbor_build_bytestring(t->base_digest, FWPK_HASH_LEN)) &&
           put(m, FWPK_T_BASE_VERSION, cbor_build_string(t->base_version)) &&
           put(m, FWPK_T_PATCH_SIZE, uint_item(t->patch_size));
}

/* Key 16 only with codec LZMA (format/SPEC.md 4.2). */
static cbor_item_t *target_map(const fwp_mtarget *t)
{
    int lzma = t->codec == FWPK_CODEC_LZMA, delta = t->base_size != 0;
    cbor_item_t *m = cbor_new_definite_map(FWPK_TARGET_KEYS + (size_t)lzma +
                                           4 * (size_t)delta);
    bool ok = m && put(m, FWPK_T_NAME, cbor_build_string(t->name)) &&
              put(m, FWPK_T_MCU, cbor_build_string(t->mcu)) &&
              put(m, FWPK_T_FLASH_BASE, uint_item(t->flash_base)) &&
              put(m, FWPK_T_FLASH_SIZE, uint_item(t->flash_size)) &&
              put(m, FWPK_T_ERASE_BLOCK, uint_item(t->erase_block)) &&
              put(m, FWPK_T_WRITE_UNIT, uint_item(t->write_unit)) &&
              put(m, FWPK_T_SEGMENTS, segments(t)) &&
              put(m, FWPK_T_IMAGE_SIZE, uint_item(t->image_size)) &&
              put(m, FWPK_T_CODEC, uint_item(t->codec)) &&
              put(m, FWPK_T_WINDOW_BITS, uint_item(t->window_bits)) &&
              put(m, FWPK_T_FRAME_SIZE, uint_item(t->frame_size)) &&
              put(m, FWPK_T_FRAME_COUNT, uint_item(t->frame_count)) &&
              put(m, FWPK_T_PAYLOAD_SIZE, uint_item(t->payload_size)) &&
              put(m, FWPK_T_IMAGE_DIGEST,
                  cbor_build_bytestring(t->image_digest, FWPK_HASH_LEN)) &&
              put(m, FWPK_T_ANCHOR,
                  cbor_build_bytestring(t->anchor, FWPK_HASH_LEN)) &&
              put(m, FWPK_T_FILTER, uint_item(t->filter)) &&
              (!lzma || put(m, FWPK_T_LZMA_PROPS, uint_item(t->lzma_props))) &&
              (!delta || delta_keys(m, t));
    if (!ok && m)
        cbor_decref(&m);
    return ok ? m : NULL;
}

static cbor_item_t *targets_array(const fwp_manifest *mf)
{
    cbor_item_t *targets = cbor_new_definite_array(mf->target_count);
    bool ok = targets != NULL;
    for (uint32_t i = 0; ok && i < mf->target_count; i++)
        ok = push(targets, target_map(&mf->targets[i]));
    if (!ok && targets)
        cbor_decref(&targets);
    return ok ? targets : NULL;
}

static cbor_item_t *container_map(const fwp_manifest *mf)
{
    cbor_item_t *m = cbor_new_definite_map(6);
    bool ok = m && put(m, FWPK_M_FORMAT, uint_item(mf->format)) &&
         put(m, FWPK_M_PRODUCT, cbor_build_string(mf->product)) &&
         put(m, FWPK_M_VERSION, cbor_build_string(mf->version)) &&
         put(m, FWPK_M_SECURITY_COUNTER, uint_item(mf->security_counter)) &&
         put(m, FWPK_M_BUILD_TIME, uint_item(mf->build_time)) &&
         put(m, FWPK_M_TARGETS, targets_array(mf));
    if (!ok && m)
        cbor_decref(&m);
    return ok ? m : NULL;
}

int fwp_manifest_encode(const fwp_manifest *m, uint8_t **out, size_t *len,
                        fwp_err *err)
{
    cbor_item_t *root = container_map(m);
    if (!root)
        return fwp_fail(err, "manifest: out of memory");
    unsigned char *buf = NULL;
    size_t cap = 0;
    size_t n = cbor_serialize_alloc(root, &buf, &cap);
    cbor_decref(&root);
    if (n == 0) {
        free(buf);
        return fwp_fail(err, "manifest: out of memory");
    }
    if (n > FWPK_MANIFEST_MAX) {
        free(buf);
        return fwp_fail(err, "manifest is %zu bytes, more than %d (fewer "
                             "segments or targets)",
                        n, FWPK_MANIFEST_MAX);
    }
    *out = buf;
    *len = n;
    return 0;
}
