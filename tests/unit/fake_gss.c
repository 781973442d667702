/* SPDX-License-Identifier: MPL-2.0 */
/* The fake GSS mechanism and GSS-TSIG server; see fake_gss.h. */
#include <openssl/sha.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "ddns/error.h"
#include "fake_dns.h"
#include "fake_gss.h"
#include "transport/tsig.h"

/* The fake mechanism. */

struct fake_context {
	int round;
};

static void put_token(const char *text, uint8_t **out, size_t *out_len)
{
	*out_len = strlen(text);
	*out = malloc(*out_len);
	memcpy(*out, text, *out_len);
}

static int fake_init(void *mctx, void **context, const char *target, const uint8_t *in,
                     size_t in_len, uint8_t **out, size_t *out_len, uint32_t *lifetime_s, char *why,
                     size_t whylen)
{
	struct fake_mech *m = mctx;
	*out = NULL;
	*out_len = 0;
	snprintf(m->target, sizeof(m->target), "%s", target);
	if (m->fail_init) {
		snprintf(why, whylen, "fake: no ticket for %s", target);
		return DDNS_EGSS;
	}
	struct fake_context *c = *context;
	if (c == NULL) {
		c = *context = calloc(1, sizeof(*c));
		m->live++;
		if (m->no_token)
			return DDNS_EAGAIN;
		put_token("TOKEN-1", out, out_len);
		c->round = 1;
		return DDNS_EAGAIN;
	}
	char expect[32];
	snprintf(expect, sizeof(expect), "SERVER-%d", c->round);
	if (in_len != strlen(expect) || memcmp(in, expect, in_len) != 0) {
		snprintf(why, whylen, "fake: unexpected server token");
		return DDNS_EGSS;
	}
	if (c->round >= m->rounds && !m->never_done) {
		*lifetime_s = m->lifetime;
		return DDNS_OK;
	}
	char next[32];
	snprintf(next, sizeof(next), "TOKEN-%d", ++c->round);
	put_token(next, out, out_len);
	return DDNS_EAGAIN;
}

static int fake_get_mic(void *mctx, void *context, const uint8_t *data, size_t len, uint8_t *mic,
                        size_t *mic_len)
{
	((struct fake_mech *)mctx)->mics++;
	SHA256(data, len, mic);
	*mic_len = SHA256_DIGEST_LENGTH;
	return DDNS_OK;
}

static int fake_verify_mic(void *mctx, void *context, const uint8_t *data, size_t len,
                           const uint8_t *mic, size_t mic_len)
{
	((struct fake_mech *)mctx)->verifies++;
	uint8_t expect[SHA256_DIGEST_LENGTH];
	SHA256(data, len, expect);
	return mic_len == sizeof(expect) && memcmp(mic, expect, mic_len) == 0 ? DDNS_OK
	                                                                      : DDNS_ETSIG;
}

static void fake_free_context(void *mctx, void *context)
{
	if (context == NULL)
		return;
	((struct fake_mech *)mctx)->live--;
	free(context);
}

/* The fake server. */

/* Appends a name in uncompressed, lower-case wire form. */
static size_t put_name(uint8_t *p, const char *name)
{
	ldns_rdf *rdf = ldns_dname_new_frm_str(name);
	ldns_dname2canonical(rdf);
	size_t n = ldns_rdf_size(rdf);
	memcpy(p, ldns_rdf_data(rdf), n);
	ldns_rdf_deep_free(rdf);
	return n;
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* The TSIG variables (RFC 8945 section 4.3.3) for key name, gss-tsig, time, fudge 300, error. */
static size_t put_variables(uint8_t *p, const char *key, uint64_t when, unsigned error)
{
	size_t n = put_name(p, key);
	n += put16(p + n, LDNS_RR_CLASS_ANY);
	memset(p + n, 0, 4);
	n += 4;
	n += put_name(p + n, "gss-tsig.");
	for (int i = 5; i >= 0; i--)
		p[n++] = (uint8_t)(when >> (8 * i));
	n += put16(p + n, 300);
	n += put16(p + n, error);
	n += put16(p + n, 0);
	return n;
}

/* Offset of the last record of a message (where the TSIG is). */
static size_t last_record(const uint8_t *w, size_t len)
{
	size_t pos = 12, qd = w[4] << 8 | w[5];
	size_t rrs = (w[6] << 8 | w[7]) + (w[8] << 8 | w[9]) + (w[10] << 8 | w[11]);
	for (size_t i = 0; i < qd + rrs - 1; i++) {
		while (w[pos] != 0 && (w[pos] & 0xC0) != 0xC0)
			pos += w[pos] + 1u;
		pos += (w[pos] & 0xC0) == 0xC0 ? 2 : 1;
		pos += 4;
		if (i >= qd)
			pos += 6 + (w[pos + 4] << 8 | w[pos + 5]);
	}
	assert_true(pos < len);
	return pos;
}

/* Appends a TSIG to reply (wire, *len, ARCOUNT bumped): MIC = SHA-256 over the request MAC (when
 * req_mac_len is not (size_t)-1), the reply and the variables; error and an empty MAC if asked. */
static void sign_reply(uint8_t *reply, size_t *len, const char *key, const uint8_t *req_mac,
                       size_t req_mac_len, unsigned error, bool corrupt)
{
	uint8_t data[4096];
	size_t n = 0;
	uint64_t now = (uint64_t)time(NULL);
	if (req_mac_len != (size_t)-1) {
		n += put16(data, (unsigned)req_mac_len);
		memcpy(data + n, req_mac, req_mac_len);
		n += req_mac_len;
	}
	memcpy(data + n, reply, *len);
	n += *len;
	n += put_variables(data + n, key, now, error);
	uint8_t mic[SHA256_DIGEST_LENGTH];
	SHA256(data, n, mic);
	if (corrupt)
		mic[0] ^= 1;
	size_t mic_len = error == DDNS_TSIG_BADKEY ? 0 : sizeof(mic);

	uint8_t *p = reply + *len;
	size_t k = put_name(p, key);
	k += put16(p + k, LDNS_RR_TYPE_TSIG);
	k += put16(p + k, LDNS_RR_CLASS_ANY);
	memset(p + k, 0, 4);
	k += 4;
	size_t rdlen_at = k;
	k += 2;
	size_t rdata = k;
	k += put_name(p + k, "gss-tsig.");
	for (int i = 5; i >= 0; i--)
		p[k++] = (uint8_t)(now >> (8 * i));
	k += put16(p + k, 300);
	k += put16(p + k, (unsigned)mic_len);
	memcpy(p + k, mic, mic_len);
	k += mic_len;
	k += put16(p + k, (unsigned)(reply[0] << 8 | reply[1]));
	k += put16(p + k, error);
	k += put16(p + k, 0);
	put16(p + rdlen_at, (unsigned)(k - rdata));
	*len += k;
	unsigned ar = (reply[10] << 8 | reply[11]) + 1u;
	put16(reply + 10, ar);
}

/* Checks the request's MIC the way a server would and returns it (for signing the reply). */
static bool check_request(const uint8_t *query, size_t qlen, const char *key, uint8_t *mac,
                          size_t *mac_len)
{
	size_t at = last_record(query, qlen);
	uint8_t data[8192];
	memcpy(data, query, at);
	ldns_pkt *pkt = NULL;
	assert_int_equal(ldns_wire2pkt(&pkt, query, qlen), LDNS_STATUS_OK);
	ldns_rr *tsig = ldns_pkt_tsig(pkt);
	assert_non_null(tsig);
	uint16_t orig_id = ldns_rdf2native_int16(ldns_rr_rdf(tsig, 4));
	put16(data, orig_id);
	put16(data + 10, (unsigned)((data[10] << 8 | data[11]) - 1));
	const uint8_t *t = ldns_rdf_data(ldns_rr_rdf(tsig, 1));
	uint64_t when = 0;
	for (int i = 0; i < 6; i++)
		when = when << 8 | t[i];
	size_t n = at + put_variables(data + at, key, when, 0);
	uint8_t expect[SHA256_DIGEST_LENGTH];
	SHA256(data, n, expect);
	const ldns_rdf *m = ldns_rr_rdf(tsig, 3);
	*mac_len = ldns_rdf_size(m) - 2;
	memcpy(mac, ldns_rdf_data(m) + 2, *mac_len);
	char owner[256];
	char *s = ldns_rdf2str(ldns_rr_owner(tsig));
	snprintf(owner, sizeof(owner), "%s", s);
	free(s);
	ldns_pkt_free(pkt);
	return strcmp(owner, key) == 0 && *mac_len == sizeof(expect) &&
	       memcmp(mac, expect, sizeof(expect)) == 0;
}

/* The reply header and question for query, as wire (rcode set). */
static size_t reply_start(const ldns_pkt *query, int rcode, uint8_t *out)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(query));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(query));
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
	                 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(query), 0)));
	uint8_t *w;
	size_t n;
	assert_int_equal(ldns_pkt2wire(&w, r, &n), LDNS_STATUS_OK);
	memcpy(out, w, n);
	free(w);
	ldns_pkt_free(r);
	return n;
}

static int answer_tkey(struct fake_server *s, const ldns_pkt *q, uint8_t *reply, size_t *len)
{
	s->tkeys++;
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	const ldns_rr *tkey = ldns_rr_list_rr(ldns_pkt_additional(q), 0);
	char *name = ldns_rdf2str(ldns_rr_owner(tkey));
	snprintf(s->key_name, sizeof(s->key_name), "%s", name);
	free(name);
	s->tkey_question_ok =
	    ldns_dname_compare(ldns_rr_owner(question), ldns_rr_owner(tkey)) == 0 &&
	    ldns_rr_get_class(question) == LDNS_RR_CLASS_ANY &&
	    ldns_rr_get_type(tkey) == LDNS_RR_TYPE_TKEY;
	char *alg = ldns_rdf2str(ldns_rr_rdf(tkey, 0));
	snprintf(s->tkey_alg, sizeof(s->tkey_alg), "%s", alg);
	free(alg);
	s->tkey_mode = ldns_rdf2native_int16(ldns_rr_rdf(tkey, 3));
	const ldns_rdf *token = ldns_rr_rdf(tkey, 5);
	char client[64] = "";
	snprintf(client, sizeof(client), "%.*s", (int)ldns_rdf_size(token) - 2,
	         (const char *)ldns_rdf_data(token) + 2);
	int round = 0;
	sscanf(client, "TOKEN-%d", &round);

	*len = reply_start(q, s->tkey_rcode, reply);
	if (s->tkey_rcode != 0 || s->tkey_no_answer)
		return DDNS_OK;
	char server_token[32];
	snprintf(server_token, sizeof(server_token), "SERVER-%d", round);
	ldns_rr *rr = ldns_rr_clone(tkey);
	uint32_t now = (uint32_t)time(NULL);
	ldns_rdf_deep_free(ldns_rr_set_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, now), 1));
	ldns_rdf_deep_free(
	    ldns_rr_set_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, now + 3600), 2));
	bool stale = s->stale_until_forgotten != NULL && s->stale_until_forgotten->forgets == 0;
	int error = stale ? DDNS_TSIG_BADKEY : s->tkey_error;
	ldns_rdf_deep_free(
	    ldns_rr_set_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)error), 4));
	ldns_rdf_deep_free(ldns_rr_set_rdf(
	    rr, ldns_native2rdf_int16_data(strlen(server_token), (uint8_t *)server_token), 5));
	ldns_buffer *b = ldns_buffer_new(1024);
	ldns_rr2buffer_wire(b, rr, LDNS_SECTION_ANSWER);
	memcpy(reply + *len, ldns_buffer_begin(b), ldns_buffer_position(b));
	*len += ldns_buffer_position(b);
	ldns_buffer_free(b);
	ldns_rr_free(rr);
	put16(reply + 6, 1);
	if (!s->tkey_unsigned)
		sign_reply(reply, len, s->key_name, NULL, (size_t)-1, 0, s->tkey_bad_mic);
	return DDNS_OK;
}

/* A signed SOA query: answered signed while the key is known, sent back otherwise. */
static void answer_soa(struct fake_server *s, const ldns_pkt *q, const uint8_t *query, size_t qlen,
                       uint8_t *reply, size_t *len)
{
	s->soa_queries++;
	uint8_t mac[64];
	size_t mac_len = 0;
	if (s->forgot_key || !check_request(query, qlen, s->key_name, mac, &mac_len)) {
		fake_echo(query, qlen, LDNS_RCODE_REFUSED, reply, len);
		return;
	}
	*len = reply_start(q, LDNS_RCODE_NOERROR, reply);
	sign_reply(reply, len, s->key_name, mac, mac_len, 0, false);
}

static int fake_exchange(void *ctx, const struct ddns_addr *server, bool tcp, const uint8_t *query,
                         size_t qlen, uint8_t *reply, size_t *reply_len, int timeout_ms)
{
	struct fake_server *s = ctx;
	s->tcp_only &= tcp;
	if (s->silent)
		return DDNS_ETIMEOUT;
	ldns_pkt *q = NULL;
	assert_int_equal(ldns_wire2pkt(&q, query, qlen), LDNS_STATUS_OK);
	int rc = DDNS_OK;
	const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (ldns_pkt_get_opcode(q) == LDNS_PACKET_QUERY &&
	    ldns_rr_get_type(question) == LDNS_RR_TYPE_TKEY) {
		s->forgot_key = false;
		rc = answer_tkey(s, q, reply, reply_len);
	} else if (ldns_pkt_get_opcode(q) == LDNS_PACKET_QUERY) {
		answer_soa(s, q, query, qlen, reply, reply_len);
	} else {
		s->updates++;
		uint8_t mac[64];
		size_t mac_len = 0;
		bool ok = check_request(query, qlen, s->key_name, mac, &mac_len);
		s->request_mic_ok &= ok;
		if (s->forgot_key || s->refuse > 0) {
			s->refuse -= !s->forgot_key;
			fake_echo(query, qlen, LDNS_RCODE_REFUSED, reply, reply_len);
			ldns_pkt_free(q);
			return rc;
		}
		bool badkey = s->badkey > 0;
		s->badkey -= badkey;
		*reply_len =
		    reply_start(q, badkey ? LDNS_RCODE_NOTAUTH : LDNS_RCODE_NOERROR, reply);
		sign_reply(reply, reply_len, s->key_name, mac, mac_len,
		           badkey ? DDNS_TSIG_BADKEY : 0, s->update_bad_mic);
	}
	ldns_pkt_free(q);
	return rc;
}

static void fake_forget(void *mctx)
{
	struct fake_mech *m = mctx;
	m->forgets++;
}

void fake_mech_init(struct fake_mech *m)
{
	memset(m, 0, sizeof(*m));
	m->mech = (struct ddns_gss_mech){fake_init,         fake_get_mic, fake_verify_mic,
	                                 fake_free_context, fake_forget,  m};
	m->rounds = 1;
	m->lifetime = 36000;
}

void fake_gss_server_init(struct fake_server *s)
{
	memset(s, 0, sizeof(*s));
	s->transport = (struct ddns_transport){fake_exchange, s};
	s->tcp_only = true;
	s->request_mic_ok = true;
}
