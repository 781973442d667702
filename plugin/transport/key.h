/* SPDX-License-Identifier: MPL-2.0 */
/*
 * A TSIG key as the configuration holds it and the signer uses it, in a header of its own so that
 * the configuration needs no DNS library to declare one.
 */
#ifndef DDNS_TRANSPORT_KEY_H
#define DDNS_TRANSPORT_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A TSIG key as configured (tsig-keys), or the reserved "gss-tsig" key whose secret is
 * negotiated per server (RFC 3645). */
struct ddns_tsig_key {
	char *name;            /* normalised key name, e.g. "ddns-key." */
	const char *algorithm; /* algorithm name, e.g. "hmac-sha256." (static string) */
	char *secret;          /* base64 secret, validated; wiped on free */
	uint8_t *raw;          /* the decoded secret; wiped on free */
	size_t raw_len;        /* its length */
	bool gss;              /* the reserved key "gss-tsig": negotiated per target (RFC 3645) */
};

#endif
