/* SPDX-License-Identifier: MPL-2.0 */
/*
 * GSS-TSIG (RFC 3645) without a KDC: a fake GSS mechanism whose MIC is the SHA-256 of the data it
 * covers, and a fake DNS server behind the transport seam that answers TKEY and UPDATE and checks
 * every signature by laying out the signed data itself (RFC 8945 section 4.3).
 */
#ifndef FAKE_GSS_H
#define FAKE_GSS_H

#include <stdbool.h>
#include <stdint.h>

#include "gss/mech.h"
#include "transport/transport.h"

struct fake_mech {
	struct ddns_gss_mech mech;
	int rounds;         /* server tokens needed before the context is established */
	bool fail_init;     /* init fails at once */
	uint32_t lifetime;  /* context lifetime reported */
	int live;           /* contexts not yet freed */
	char target[256];   /* principal of the last init */
	bool never_done;    /* keeps asking for more rounds */
	bool no_token;      /* gives no token on the first call */
	int mics, verifies; /* calls */
	int forgets;        /* calls of forget: tickets dropped */
};

/* A mechanism that establishes a context after one server token, for 36000 s. */
void fake_mech_init(struct fake_mech *m);

struct fake_server {
	struct ddns_transport transport;
	int tkeys, updates;    /* requests received */
	bool tcp_only;         /* every request came over TCP */
	int badkey;            /* answer this many updates with BADKEY */
	int tkey_rcode;        /* answer TKEY with this RCODE */
	int tkey_error;        /* TKEY record error field */
	bool tkey_no_answer;   /* no TKEY record in the reply */
	bool tkey_unsigned;    /* TKEY reply without TSIG */
	bool tkey_bad_mic;     /* TKEY reply signed wrongly */
	bool update_bad_mic;   /* UPDATE reply signed wrongly */
	bool silent;           /* no reply at all */
	char key_name[256];    /* the key name of the last TKEY query */
	uint16_t tkey_mode;    /* its mode */
	char tkey_alg[64];     /* its algorithm */
	bool tkey_question_ok; /* the question was <key name> TKEY ANY */
	bool request_mic_ok;   /* every signed UPDATE carried the right MIC */
	/* The server's key changed: it refuses TKEY (BADKEY) until this mechanism has dropped its
	 * tickets (NULL: it never does). */
	const struct fake_mech *stale_until_forgotten;
	/* As Samba 4.20 and later after a restart: the key is forgotten, every update signed with
	 * it is sent back with REFUSED, a query signed with it sent back too; a new TKEY clears it.
	 */
	bool forgot_key;
	int refuse;      /* send this many updates back with REFUSED, the key known (AD rights) */
	int soa_queries; /* signed SOA queries received */
};

/* A server that answers every TKEY and UPDATE, signing its replies. */
void fake_gss_server_init(struct fake_server *s);

#endif
