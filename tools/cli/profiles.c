/* profiles.c - the MCU profiles a command sees: the built-in ones, then
 * the profile files on the search path, then --mcu-file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* FWPACK_MCU_PATH (FILE:FILE...), else the system's file, then the
 * user's: a later profile replaces an earlier one, and the user's own
 * words win over the machine's, as with git's or ssh's configuration. */
static int search_path(fwp_mcu_list *l, fwp_err *err)
{
    const char *env = getenv("FWPACK_MCU_PATH");
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char user[4096] = "";
    if (!env) {
        if (xdg && *xdg)
            snprintf(user, sizeof user, "%s/fwpack/mcus", xdg);
        else if (home && *home)
            snprintf(user, sizeof user, "%s/.config/fwpack/mcus", home);
        if (fwp_mcu_list_add_file(l, CLI_MCU_SYSTEM_FILE, 1, err))
            return -1;
        return user[0] ? fwp_mcu_list_add_file(l, user, 1, err) : 0;
    }
    char *copy = strdup(env), *save = NULL;
    if (!copy)
        return fwp_fail(err, "out of memory");
    int rc = 0;
    for (char *f = strtok_r(copy, ":", &save); f && rc == 0;
         f = strtok_r(NULL, ":", &save))
        rc = fwp_mcu_list_add_file(l, f, 1, err);
    free(copy);
    return rc;
}

int cli_profiles_load(fwp_mcu_list *l, const char *mcu_file)
{
    fwp_err err;
    memset(l, 0, sizeof *l);
    if (fwp_mcu_list_builtin(l))
        return cli_error(EXIT_IO, "out of memory");
    if (search_path(l, &err) ||
        (mcu_file && fwp_mcu_list_add_file(l, mcu_file, 0, &err))) {
        fwp_mcu_list_free(l);
        return cli_fail(&err, EXIT_INPUT);
    }
    return 0;
}
