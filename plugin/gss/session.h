/* SPDX-License-Identifier: MPL-2.0 */
/*
 * GSS-TSIG keys (RFC 3645): one negotiated per update target with TKEY (mode 3) over TCP, kept
 * and used to sign every message to that target until it nears its end, then negotiated again;
 * dropped at once when the target says BADKEY. The key's name is "<random>.sig-<server name>",
 * as nsupdate makes it, and the target's principal DNS/<server name>@<realm of our principal>.
 */
#ifndef DDNS_GSS_SESSION_H
#define DDNS_GSS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "gss/mech.h"
#include "transport/transport.h"
#include "transport/tsig.h"

struct ddns_gss;
struct ddns_gss_key;

/* A key is negotiated again once this share of its lifetime has passed. */
#define DDNS_GSS_RENEW_PERCENT 80

/*
 * Creates the key store over mech (borrowed), asking for keys that live key_lifetime seconds,
 * for principals in realm (copied). NULL: no memory.
 */
struct ddns_gss *ddns_gss_new(const struct ddns_gss_mech *mech, const char *realm,
                              uint32_t key_lifetime);

/* Frees the store; every key taken must have been released. NULL is ignored. */
void ddns_gss_free(struct ddns_gss *g);

/*
 * A live key for target (its host name as discovery found it), negotiated over transport now if
 * there is none or it nears its end; the caller releases it with ddns_gss_release. Negotiations
 * for one target are serialised, so a burst of updates costs one. Returns DDNS_OK; DDNS_EGSS when
 * no context could be established (why names the principal asked for and the mechanism's reason,
 * or the server's TKEY error); DDNS_ETIMEOUT or DDNS_ENETWORK when the target did not answer;
 * DDNS_EMALFORMED, DDNS_ETSIG for a bad TKEY reply; DDNS_ENOMEM. Thread: any.
 */
int ddns_gss_acquire(struct ddns_gss *g, const struct ddns_transport *transport,
                     const struct ddns_target *target, int timeout_ms, struct ddns_gss_key **out,
                     char *why, size_t whylen);

/* A signer over key (valid until the key is released); its messages go over TCP. */
struct ddns_tsig_signer ddns_gss_signer(struct ddns_gss_key *key);

/* The key's name, for log lines. */
const char *ddns_gss_key_name(const struct ddns_gss_key *key);

/* Gives key back; with broken (the target said BADKEY), the target's next acquire negotiates
 * a new one. Thread: any. */
void ddns_gss_release(struct ddns_gss *g, struct ddns_gss_key *key, bool broken);

/* TKEY negotiations completed since the store was created. */
uint64_t ddns_gss_negotiations(struct ddns_gss *g);

#endif
