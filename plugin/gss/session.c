/* SPDX-License-Identifier: MPL-2.0 */
/* GSS-TSIG key negotiation with TKEY and the per-target key store; see session.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ddns/error.h"
#include "gss/session.h"
#include "transport/exchange.h"
#include "util/clock.h"
#include "util/log.h"

/* RFC 2930 mode 3: GSS-API negotiation. Kerberos needs one round trip, SPNEGO at most two. */
#define TKEY_MODE_GSSAPI 3
#define MAX_ROUNDS       4

struct target_entry {
	struct target_entry *next;
	struct ddns_addr addr;
	char name[DDNS_NAME_MAX];    /* server's host name, absolute */
	pthread_mutex_t negotiating; /* held while a key for this target is negotiated */
	struct ddns_gss_key *key;    /* current key (one reference), or NULL; under g->lock */
};

struct ddns_gss_key {
	char name[DDNS_NAME_MAX];         /* TSIG key name */
	const struct ddns_gss_mech *mech; /* borrowed */
	void *context;                    /* the mechanism's security context */
	pthread_mutex_t lock;             /* one MIC call at a time on context */
	int refs;                         /* under g->lock */
	int64_t renew_ms;                 /* when to negotiate a successor */
	struct target_entry *target;      /* whose key it is */
};

struct ddns_gss {
	const struct ddns_gss_mech *mech;
	char realm[256];
	uint32_t key_lifetime;
	pthread_mutex_t lock; /* guards targets, keys' refs and negotiations */
	struct target_entry *targets;
	uint64_t negotiations;
};

struct ddns_gss *ddns_gss_new(const struct ddns_gss_mech *mech, const char *realm,
                              uint32_t key_lifetime)
{
	struct ddns_gss *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->mech = mech;
	snprintf(g->realm, sizeof(g->realm), "%s", realm);
	g->key_lifetime = key_lifetime;
	pthread_mutex_init(&g->lock, NULL);
	return g;
}

static void key_free(struct ddns_gss_key *key)
{
	key->mech->free_context(key->mech->mctx, key->context);
	pthread_mutex_destroy(&key->lock);
	free(key);
}

/* Drops one reference under g->lock; returns the key when it is to be freed (outside it). */
static struct ddns_gss_key *unref(struct ddns_gss_key *key)
{
	return --key->refs == 0 ? key : NULL;
}

void ddns_gss_free(struct ddns_gss *g)
{
	if (g == NULL)
		return;
	for (struct target_entry *t = g->targets, *next; t != NULL; t = next) {
		next = t->next;
		if (t->key != NULL && unref(t->key) != NULL)
			key_free(t->key);
		pthread_mutex_destroy(&t->negotiating);
		free(t);
	}
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static struct target_entry *target_entry(struct ddns_gss *g, const struct ddns_target *target)
{
	pthread_mutex_lock(&g->lock);
	struct target_entry *t = g->targets;
	while (t != NULL &&
	       !(ddns_addr_equal(&t->addr, &target->addr) && strcmp(t->name, target->name) == 0))
		t = t->next;
	if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL) {
		t->addr = target->addr;
		snprintf(t->name, sizeof(t->name), "%s", target->name);
		pthread_mutex_init(&t->negotiating, NULL);
		t->next = g->targets;
		g->targets = t;
	}
	pthread_mutex_unlock(&g->lock);
	return t;
}

/* The target's key with a new reference when it is still good, else NULL. */
static struct ddns_gss_key *current_key(struct ddns_gss *g, struct target_entry *t)
{
	pthread_mutex_lock(&g->lock);
	struct ddns_gss_key *key = t->key;
	if (key != NULL && ddns_clock_now_ms() < key->renew_ms)
		key->refs++;
	else
		key = NULL;
	pthread_mutex_unlock(&g->lock);
	return key;
}

static int gss_mac(void *ctx, const uint8_t *data, size_t len, uint8_t *mac, size_t *mac_len)
{
	struct ddns_gss_key *key = ctx;
	pthread_mutex_lock(&key->lock);
	int rc = key->mech->get_mic(key->mech->mctx, key->context, data, len, mac, mac_len);
	pthread_mutex_unlock(&key->lock);
	return rc;
}

static int gss_check(void *ctx, const uint8_t *data, size_t len, const uint8_t *mac, size_t mac_len)
{
	struct ddns_gss_key *key = ctx;
	pthread_mutex_lock(&key->lock);
	int rc = key->mech->verify_mic(key->mech->mctx, key->context, data, len, mac, mac_len);
	pthread_mutex_unlock(&key->lock);
	return rc;
}

struct ddns_tsig_signer ddns_gss_signer(struct ddns_gss_key *key)
{
	return (struct ddns_tsig_signer){key->name, "gss-tsig.", true, gss_mac, gss_check, key};
}

const char *ddns_gss_key_name(const struct ddns_gss_key *key)
{
	return key->name;
}

/* A TKEY query for key_name carrying token (RFC 2930 section 4, RFC 3645 section 3.1.1). */
static ldns_pkt *tkey_query(const char *key_name, uint32_t lifetime, const uint8_t *token,
                            size_t token_len)
{
	uint32_t now = (uint32_t)ddns_clock_wall_s();
	ldns_rdf *rdfs[] = {
	    ldns_dname_new_frm_str("gss-tsig."),
	    ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, now),
	    ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, now + lifetime),
	    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, TKEY_MODE_GSSAPI),
	    ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 0),
	    ldns_native2rdf_int16_data(token_len, (uint8_t *)token),
	    ldns_native2rdf_int16_data(0, NULL),
	};
	ldns_rr *tkey = ddns_meta_rr(ldns_dname_new_frm_str(key_name), LDNS_RR_TYPE_TKEY, rdfs,
	                             sizeof(rdfs) / sizeof(rdfs[0]));
	ldns_rr *question =
	    ddns_meta_rr(ldns_dname_new_frm_str(key_name), LDNS_RR_TYPE_TKEY, NULL, 0);
	ldns_pkt *pkt = ldns_pkt_new();
	if (pkt == NULL || question == NULL || tkey == NULL) {
		ldns_pkt_free(pkt);
		ldns_rr_free(question);
		ldns_rr_free(tkey);
		return NULL;
	}
	ldns_rr_set_question(question, true);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_QUERY);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_QUESTION, question);
	ldns_pkt_push_rr(pkt, LDNS_SECTION_ADDITIONAL, tkey);
	return pkt;
}

/* The TKEY record answering key_name in reply, or NULL. */
static const ldns_rr *tkey_answer(const ldns_pkt *reply, const char *key_name)
{
	ldns_rdf *name = ldns_dname_new_frm_str(key_name);
	const ldns_rr_list *answer = ldns_pkt_answer(reply);
	const ldns_rr *found = NULL;
	for (size_t i = 0; name != NULL && i < ldns_rr_list_rr_count(answer) && found == NULL;
	     i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_TKEY && ldns_rr_rd_count(rr) == 7 &&
		    ldns_dname_compare(ldns_rr_owner(rr), name) == 0 &&
		    ldns_rdf_size(ldns_rr_rdf(rr, 5)) >= 2)
			found = rr;
	}
	ldns_rdf_deep_free(name);
	return found;
}

/* One negotiation in progress. */
struct negotiation {
	const struct ddns_transport *transport;
	const struct ddns_target *target;
	int timeout_ms;
	char principal[DDNS_NAME_MAX + 300];
	struct ddns_gss_key *key;
	ldns_pkt *reply;         /* the last TKEY reply */
	uint8_t *wire;           /* and its bytes */
	size_t wire_len;         /* their count */
	int32_t server_left_s;   /* lifetime the server granted, from its TKEY expiration */
	uint8_t *server_token;   /* the server's last token, malloc'd */
	size_t server_token_len; /* its length */
	char *why;
	size_t whylen;
};

/* Sends token in a TKEY query and keeps the server's answer token. */
static int tkey_round(struct negotiation *n, uint32_t lifetime, const uint8_t *token,
                      size_t token_len)
{
	ldns_pkt_free(n->reply);
	free(n->wire);
	n->reply = NULL;
	n->wire = NULL;
	ldns_pkt *query = tkey_query(n->key->name, lifetime, token, token_len);
	if (query == NULL)
		return DDNS_ENOMEM;
	struct ddns_exchange_info info;
	int rc = ddns_exchange_stream(n->transport, &n->target->addr, query, n->timeout_ms,
	                              &n->reply, &n->wire, &n->wire_len, &info);
	ldns_pkt_free(query);
	if (rc != DDNS_OK) {
		snprintf(n->why, n->whylen, "TKEY query for %s: %s", n->principal,
		         ddns_strerror(rc));
		return rc;
	}
	if (info.rcode != LDNS_RCODE_NOERROR) {
		snprintf(n->why, n->whylen, "TKEY query for %s answered %s", n->principal,
		         ddns_rcode_name(info.rcode));
		return DDNS_EGSS;
	}
	const ldns_rr *tkey = tkey_answer(n->reply, n->key->name);
	if (tkey == NULL) {
		snprintf(n->why, n->whylen, "TKEY reply for %s holds no TKEY record for %s",
		         n->principal, n->key->name);
		return DDNS_EMALFORMED;
	}
	int error = ldns_rdf2native_int16(ldns_rr_rdf(tkey, 4));
	if (error != 0) {
		snprintf(n->why, n->whylen, "server refused the TKEY for %s: error %s",
		         n->principal, ddns_tsig_error_name(error));
		return DDNS_EGSS;
	}
	uint32_t expires = ldns_rdf2native_int32(ldns_rr_rdf(tkey, 2));
	n->server_left_s = (int32_t)(expires - (uint32_t)ddns_clock_wall_s());
	const ldns_rdf *data = ldns_rr_rdf(tkey, 5);
	free(n->server_token);
	n->server_token_len = ldns_rdf_size(data) - 2;
	n->server_token = malloc(n->server_token_len > 0 ? n->server_token_len : 1);
	if (n->server_token == NULL)
		return DDNS_ENOMEM;
	memcpy(n->server_token, ldns_rdf_data(data) + 2, n->server_token_len);
	return DDNS_OK;
}

/* Runs the GSS-API loop against the target; on DDNS_OK, n->key holds an established context. */
static int run_negotiation(struct ddns_gss *g, struct negotiation *n, uint32_t *context_life)
{
	const struct ddns_gss_mech *mech = g->mech;
	char mech_why[512];
	int rc = DDNS_EAGAIN;
	for (int round = 0; round < MAX_ROUNDS && rc == DDNS_EAGAIN; round++) {
		uint8_t *token = NULL;
		size_t token_len = 0;
		rc = mech->init(mech->mctx, &n->key->context, n->principal, n->server_token,
		                n->server_token_len, &token, &token_len, context_life, mech_why,
		                sizeof(mech_why));
		if (rc != DDNS_OK && rc != DDNS_EAGAIN) {
			snprintf(n->why, n->whylen, "GSS-TSIG for %s: %s", n->principal,
			         rc == DDNS_EGSS ? mech_why : ddns_strerror(rc));
			free(token);
			return rc;
		}
		if (token_len == 0 && rc == DDNS_EAGAIN) {
			snprintf(n->why, n->whylen, "GSS-TSIG for %s: the mechanism gave no token",
			         n->principal);
			free(token);
			return DDNS_EGSS;
		}
		int sent =
		    token_len > 0 ? tkey_round(n, g->key_lifetime, token, token_len) : DDNS_OK;
		free(token);
		if (sent != DDNS_OK)
			return sent;
	}
	if (rc != DDNS_OK) {
		snprintf(n->why, n->whylen, "GSS-TSIG for %s: no context after %d rounds",
		         n->principal, MAX_ROUNDS);
		return DDNS_EGSS;
	}
	if (n->reply == NULL) {
		snprintf(n->why, n->whylen, "GSS-TSIG for %s: established without a server reply",
		         n->principal);
		return DDNS_EGSS;
	}
	/* The server signs its last TKEY reply with the new key: proof that it holds it too. */
	struct ddns_tsig_signer signer = ddns_gss_signer(n->key);
	int tsig_error = 0;
	enum ddns_tsig_form form;
	rc = ddns_tsig_verify(n->wire, n->wire_len, n->reply, &signer, NULL, 0, &tsig_error, &form);
	if (rc != DDNS_OK)
		snprintf(n->why, n->whylen,
		         "GSS-TSIG for %s: the server's TKEY reply fails verification (%s)",
		         n->principal, ddns_tsig_error_name(tsig_error));
	return rc;
}

/* Negotiates a new key for t; on success it becomes t's key and *out holds a reference. */
static int negotiate(struct ddns_gss *g, const struct ddns_transport *transport,
                     const struct ddns_target *target, struct target_entry *t, int timeout_ms,
                     struct ddns_gss_key **out, char *why, size_t whylen)
{
	struct negotiation n = {.transport = transport, .target = target, .timeout_ms = timeout_ms};
	n.why = why;
	n.whylen = whylen;
	size_t host_len = strlen(target->name);
	if (host_len > 1 && target->name[host_len - 1] == '.')
		host_len--;
	snprintf(n.principal, sizeof(n.principal), "DNS/%.*s@%s", (int)host_len, target->name,
	         g->realm);
	uint32_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint32_t)random();
	struct ddns_gss_key *key = n.key = calloc(1, sizeof(*key));
	if (key == NULL)
		return DDNS_ENOMEM;
	key->mech = g->mech;
	key->refs = 2; /* the target's and the caller's */
	key->target = t;
	pthread_mutex_init(&key->lock, NULL);
	if ((size_t)snprintf(key->name, sizeof(key->name), "%u.sig-%s", id, target->name) >=
	    LDNS_MAX_DOMAINLEN) {
		snprintf(why, whylen, "GSS-TSIG for %s: the key name for %s is too long",
		         n.principal, target->name);
		key_free(key);
		return DDNS_EGSS;
	}
	uint32_t context_life = 0;
	int rc = run_negotiation(g, &n, &context_life);
	ldns_pkt_free(n.reply);
	free(n.wire);
	free(n.server_token);
	if (rc != DDNS_OK) {
		key_free(key);
		return rc;
	}
	int64_t life_s = g->key_lifetime;
	if (context_life < life_s)
		life_s = context_life;
	if (n.server_left_s < life_s)
		life_s = n.server_left_s > 0 ? n.server_left_s : 0;
	key->renew_ms = ddns_clock_now_ms() + life_s * 1000 * DDNS_GSS_RENEW_PERCENT / 100;

	pthread_mutex_lock(&g->lock);
	struct ddns_gss_key *old = t->key != NULL ? unref(t->key) : NULL;
	t->key = key;
	g->negotiations++;
	pthread_mutex_unlock(&g->lock);
	if (old != NULL)
		key_free(old);
	log_info(DDNS_DIRECT_GSS_NEGOTIATED,
	         "GSS-TSIG key %s negotiated with %s (%s) as %s, renewed after %lld s", key->name,
	         target->name, target->addr.text, n.principal,
	         (long long)(life_s * DDNS_GSS_RENEW_PERCENT / 100));
	*out = key;
	return DDNS_OK;
}

int ddns_gss_acquire(struct ddns_gss *g, const struct ddns_transport *transport,
                     const struct ddns_target *target, int timeout_ms, struct ddns_gss_key **out,
                     char *why, size_t whylen)
{
	struct target_entry *t = target_entry(g, target);
	if (t == NULL)
		return DDNS_ENOMEM;
	if ((*out = current_key(g, t)) != NULL)
		return DDNS_OK;
	pthread_mutex_lock(&t->negotiating);
	/* Another thread may have negotiated while this one waited. */
	int rc = DDNS_OK;
	if ((*out = current_key(g, t)) == NULL)
		rc = negotiate(g, transport, target, t, timeout_ms, out, why, whylen);
	/* The server may have rejected a ticket for a key it no longer has: once, a fresh one. */
	if (rc == DDNS_EGSS && g->mech->forget != NULL) {
		log_info(DDNS_DIRECT_GSS_FRESH_TICKET,
		         "%s; getting fresh Kerberos tickets (the server's key may have changed) "
		         "and negotiating once more",
		         why);
		g->mech->forget(g->mech->mctx);
		rc = negotiate(g, transport, target, t, timeout_ms, out, why, whylen);
	}
	pthread_mutex_unlock(&t->negotiating);
	return rc;
}

void ddns_gss_release(struct ddns_gss *g, struct ddns_gss_key *key, bool broken)
{
	pthread_mutex_lock(&g->lock);
	if (broken && key->target->key == key) {
		key->target->key = NULL;
		key->refs--; /* the target's; the caller's is still held, so never the last */
	}
	struct ddns_gss_key *dead = unref(key);
	pthread_mutex_unlock(&g->lock);
	if (dead != NULL)
		key_free(dead);
}

uint64_t ddns_gss_negotiations(struct ddns_gss *g)
{
	pthread_mutex_lock(&g->lock);
	uint64_t n = g->negotiations;
	pthread_mutex_unlock(&g->lock);
	return n;
}
