/* bin.c - raw binary images, loaded at a given address. */
#include <stdlib.h>

#include "fwpack.h"

int fwp_bin_load(const char *path, uint32_t addr, fwp_image *img,
                 fwp_err *err)
{
    uint8_t *data;
    size_t len;
    if (fwp_read_file(path, &data, &len, 0, err)) /* the input limit */
        return -1;
    int rc = 0;
    const char *name = fwp_file_name(path);
    if (len == 0)
        rc = fwp_fail(err, "%s: empty file", name);
    else
        rc = fwp_image_add(img, addr, data, len, name, err);
    free(data);
    return rc;
}
