/* SPDX-License-Identifier: MPL-2.0 */
/*
 * TSIG (RFC 8945) with HMAC-MD5, -SHA1, -SHA224, -SHA256, -SHA384 and -SHA512, done here rather
 * than by ldns, whose 1.8.3 release knows neither SHA-224 nor SHA-384. The digest covers the
 * message exactly as it travelled (the reply's own bytes, not a re-encoding), so compression
 * choices of the server cannot break verification.
 */
#ifndef DDNS_TSIG_H
#define DDNS_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "config/config.h"

#define DDNS_TSIG_MAC_MAX 64

/* TSIG error values (RFC 8945 section 3) used in reports. */
enum { DDNS_TSIG_BADSIG = 16, DDNS_TSIG_BADKEY = 17, DDNS_TSIG_BADTIME = 18 };

/*
 * Signs query (ID already set) with key, replacing any TSIG it had. Copies the MAC into mac
 * (DDNS_TSIG_MAC_MAX bytes) and its length into *mac_len, for verifying the reply. Returns
 * DDNS_OK, DDNS_ENOMEM, or DDNS_EINVAL for an algorithm this build does not know.
 */
int ddns_tsig_sign(ldns_pkt *query, const struct ddns_tsig_key *key, uint8_t *mac, size_t *mac_len);

/*
 * Verifies a reply (its wire form, and reply, the same message parsed) against key and the
 * request's MAC. Returns DDNS_OK, or DDNS_ETSIG with *tsig_error set: the reply's own TSIG error
 * when it reports one, DDNS_TSIG_BADTIME when its time is outside the fudge, 0 when it is unsigned,
 * signed with another key or algorithm, or its MAC does not match.
 */
int ddns_tsig_verify(const uint8_t *wire, size_t len, const ldns_pkt *reply,
                     const struct ddns_tsig_key *key, const uint8_t *req_mac, size_t req_mac_len,
                     int *tsig_error);

#endif
