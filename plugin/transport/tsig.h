/* SPDX-License-Identifier: MPL-2.0 */
/*
 * TSIG (RFC 8945) with HMAC-MD5, -SHA1, -SHA224, -SHA256, -SHA384 and -SHA512, done here rather
 * than by ldns, whose 1.8.3 release knows neither SHA-224 nor SHA-384. The digest covers the
 * message exactly as it travelled (the reply's own bytes, not a re-encoding), so compression
 * choices of the server cannot break verification.
 */
#ifndef DDNS_TSIG_H
#define DDNS_TSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "transport/key.h"

/* Room for any MAC: HMAC-SHA512 needs 64 bytes, a Kerberos GSS MIC token under 100. */
#define DDNS_TSIG_MAC_MAX 256

/* TSIG error values (RFC 8945 section 3) used in reports. */
enum { DDNS_TSIG_BADSIG = 16, DDNS_TSIG_BADKEY = 17, DDNS_TSIG_BADTIME = 18 };

/*
 * What signs and checks: a key name and algorithm for the TSIG record, and the MAC itself, an HMAC
 * with a shared secret or a GSS-API MIC with a negotiated context (RFC 3645). The data covered is
 * laid out here, the same for both (RFC 8945 section 4.3).
 */
struct ddns_tsig_signer {
	const char *name;      /* key name, absolute, e.g. "ddns-key." */
	const char *algorithm; /* e.g. "hmac-sha256." or "gss-tsig." */
	bool stream;           /* messages signed so go over TCP from the start */
	/* Computes the MAC of data into mac (DDNS_TSIG_MAC_MAX bytes); DDNS_OK or an error. */
	int (*mac)(void *ctx, const uint8_t *data, size_t len, uint8_t *mac, size_t *mac_len);
	/* Checks mac against data: DDNS_OK, DDNS_ETSIG (no match) or another error. */
	int (*check)(void *ctx, const uint8_t *data, size_t len, const uint8_t *mac,
	             size_t mac_len);
	void *ctx; /* passed to both */
};

/*
 * A meta-record as TSIG and TKEY are: owner, type, class ANY, TTL 0 and the rdata fields in order.
 * Takes owner and every rdf (any may be NULL: then all are freed and NULL is returned, as when
 * out of memory). Free the record with ldns_rr_free.
 */
ldns_rr *ddns_meta_rr(ldns_rdf *owner, ldns_rr_type type, ldns_rdf **rdfs, size_t n);

/* A signer over an HMAC key (borrowed: it must outlive the signer's use). */
struct ddns_tsig_signer ddns_tsig_hmac_signer(const struct ddns_tsig_key *key);

/*
 * Signs a message in its wire form (wire, its position at the end of a message with no TSIG and
 * its ID set) with signer: appends the TSIG record and counts it in the header's ARCOUNT. Copies
 * the MAC into mac (DDNS_TSIG_MAC_MAX bytes) and its length into *mac_len, for verifying the reply.
 * Returns DDNS_OK, DDNS_ENOMEM, DDNS_EINVAL for a buffer that holds no message or an HMAC
 * algorithm this build does not know, or the signer's own error.
 */
int ddns_tsig_sign(ldns_buffer *wire, const struct ddns_tsig_signer *signer, uint8_t *mac,
                   size_t *mac_len);

/* How a reply's TSIG turned out, beyond its verdict. */
enum ddns_tsig_form {
	DDNS_TSIG_FORM_RFC8945,  /* the MAC covers the request MAC with its length (RFC 8945) */
	DDNS_TSIG_FORM_BARE_MAC, /* it covers the request MAC without its length, as Samba signs */
	DDNS_TSIG_FORM_ECHOED,   /* no signature of the server's: the request came back with our
	                            own MAC (Samba's error replies); the reply is unauthenticated */
	DDNS_TSIG_FORM_NONE,     /* unsigned, or failed every form */
};

/*
 * Verifies a reply (its wire form, and reply, the same message parsed) against signer and the
 * request's MAC (req_mac NULL: the request was unsigned, as a TKEY query is): the RFC 8945 form
 * first, then the form without the request MAC's length. Sets *form. Returns DDNS_OK (a signed
 * reply, in either form), or DDNS_ETSIG with *tsig_error set: the reply's own TSIG error when it
 * reports one, DDNS_TSIG_BADTIME when its time is outside the fudge, 0 when it is unsigned, echoed,
 * signed with another key or algorithm, or its MAC does not match.
 */
int ddns_tsig_verify(const uint8_t *wire, size_t len, const ldns_pkt *reply,
                     const struct ddns_tsig_signer *signer, const uint8_t *req_mac,
                     size_t req_mac_len, int *tsig_error, enum ddns_tsig_form *form);

#endif
