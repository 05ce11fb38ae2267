/*
 * fwpk_agent.h - the Notecard client as the A/B logic's container source:
 * abboot (abboot/abboot.h) begins or resumes the verifier, and
 * fwpk_agent_fetch, set as abboot_io.fetch with a fwpk_agent as its user,
 * has the client read the container from the Notecard at the offsets the
 * verifier wants and feed it (fwpk_nc_run).  The examples' update agents
 * are built on it.
 */
#ifndef FWPK_AGENT_H
#define FWPK_AGENT_H

#include "abboot/abboot.h"
#include "fwpk_notecard.h"

typedef struct {
    const fwpk_nc_config *cfg; /* the caller's: transport, buffers */
    fwpk_nc nc;                /* the last run: nc.result, nc.verify */
} fwpk_agent;

/* abboot_io.fetch: FWPK_OK when the container installed (fwpk_finish said
 * so); the verifier's error when it refused it; FWPK_ERR_RESUME when the
 * Notecard's image changed meanwhile (abboot retires any resume record
 * and starts over once); FWPK_ERR_TRUNCATED when it could not be read to
 * its end: no image on the Notecard, a link that failed (abboot counts
 * that as a broken download: a resume record stays for the next boot). */
fwpk_err fwpk_agent_fetch(void *agent, abboot *b);

#endif
