/* fwpk_agent.c - the Notecard client as abboot's fetch (fwpk_agent.h). */
#include "fwpk_agent.h"

fwpk_err fwpk_agent_fetch(void *agent, abboot *b)
{
    fwpk_agent *a = agent;
    fwpk_nc_err e = fwpk_nc_init(&a->nc, a->cfg, b->ctx);
    if (e == FWPK_NC_OK)
        e = fwpk_nc_run(&a->nc);
    /* The client called fwpk_feed() itself.  Told once, at the end, how
     * far the verifier got, abboot learns whether it accepted a resume
     * record (it reaches the record's frame only after accepting it). */
    abboot_fed(b, b->ctx->offset, FWPK_OK);
    if (e == FWPK_NC_OK)
        return FWPK_OK;
    if (e == FWPK_NC_ERR_VERIFY)
        return a->nc.verify;
    return e == FWPK_NC_ERR_IMAGE_CHANGED ? FWPK_ERR_RESUME
                                          : FWPK_ERR_TRUNCATED;
}
