/* fwpk_agent.c - the Notecard client as abboot's feed (fwpk_agent.h). */
#include "fwpk_agent.h"

fwpk_err fwpk_agent_feed(void *agent, fwpk_ctx *ctx)
{
    fwpk_agent *a = agent;
    fwpk_nc_err e = fwpk_nc_init(&a->nc, a->cfg, ctx);
    if (e == FWPK_NC_OK)
        e = fwpk_nc_run(&a->nc);
    if (e == FWPK_NC_OK)
        return FWPK_OK;
    return e == FWPK_NC_ERR_VERIFY ? a->nc.verify : FWPK_ERR_TRUNCATED;
}
