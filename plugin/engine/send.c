/* SPDX-License-Identifier: MPL-2.0 */
/* Sending one change to a zone's targets; see send.h. */
#include <stdio.h>

#include "ddns/error.h"
#include "engine/send.h"
#include "util/clock.h"
#include "util/log.h"

static bool is_prerequisite_failure(int err)
{
	return err == DDNS_EYXDOMAIN || err == DDNS_EYXRRSET || err == DDNS_ENXDOMAIN ||
	       err == DDNS_ENXRRSET;
}

static void describe(struct ddns_send_attempt *a, const char *key)
{
	if (a->unauthenticated)
		snprintf(a->why, sizeof(a->why),
		         "%s (an unsigned reply: the server sent the request back with that RCODE)",
		         ddns_strerror(a->error));
	else if (a->error == DDNS_ETSIG && a->info.tsig_form == DDNS_TSIG_FORM_ECHOED)
		snprintf(a->why, sizeof(a->why),
		         "%s: the reply (RCODE %s) is the request sent back unsigned; not taken as "
		         "applied",
		         ddns_strerror(a->error), ddns_rcode_name(a->info.rcode));
	else if (a->error == DDNS_ETSIG && a->info.tsig_error != 0)
		snprintf(a->why, sizeof(a->why), "%s: reply has TSIG error %s for key %s",
		         ddns_strerror(a->error), ddns_tsig_error_name(a->info.tsig_error), key);
	else if (a->error == DDNS_ETSIG && a->info.rcode > 0)
		snprintf(a->why, sizeof(a->why),
		         "%s: the reply (RCODE %s) is unsigned or fails verification with key %s",
		         ddns_strerror(a->error), ddns_rcode_name(a->info.rcode), key);
	else if (a->error == DDNS_ETSIG)
		snprintf(a->why, sizeof(a->why),
		         "%s: reply is unsigned or fails verification with key %s",
		         ddns_strerror(a->error), key);
	else
		snprintf(a->why, sizeof(a->why), "%s", ddns_strerror(a->error));
}

/*
 * Samba answers an update it refuses with the request itself, QR and RCODE set, our own TSIG still
 * on it: nobody signed that RCODE. It is taken as the failure it names, which can only make the
 * plugin try another server, a later retry, the next step of a conflict sequence (whose own reply
 * must be signed) or give a name up as a conflict; it is never taken as success.
 */
static void take_unsigned_error(struct ddns_send_attempt *a)
{
	if (a->error != DDNS_ETSIG || a->info.tsig_form != DDNS_TSIG_FORM_ECHOED ||
	    a->info.rcode <= LDNS_RCODE_NOERROR)
		return;
	a->error = ddns_rcode_error(a->info.rcode);
	a->unauthenticated = true;
}

/* Logs, once per server, that it signs replies over the request MAC without its length. */
static void note_bare_mac(struct ddns_quirks *q, const struct ddns_send_attempt *a)
{
	if (a->info.tsig_form != DDNS_TSIG_FORM_BARE_MAC)
		return;
	bool first = true;
	if (q != NULL) {
		pthread_mutex_lock(&q->lock);
		for (size_t i = 0; i < q->n && first; i++)
			first = !ddns_addr_equal(&q->seen[i], &a->target->addr);
		if (first && q->n < DDNS_QUIRK_SERVERS)
			q->seen[q->n++] = a->target->addr;
		else
			first = false;
		pthread_mutex_unlock(&q->lock);
	}
	if (first)
		log_info(
		    DDNS_DIRECT_TSIG_NONSTANDARD,
		    "server %s (%s) signs its replies over the request's MAC without the MAC's "
		    "length (as Samba does, not as RFC 8945 says); its replies are accepted in "
		    "that form too",
		    a->target->name, a->target->addr.text);
}

/*
 * Whether target has forgotten the GSS-TSIG key that signer holds, after it answered an update
 * signed with it by sending the request back with REFUSED. Samba 4.20 and later answer so both for
 * a key they no longer know (a restart; 4.17 said BADKEY) and for a name another account owns. A
 * query signed with the key tells the two apart: a server that knows the key signs its answer.
 * No answer at all proves nothing: the refusal stands.
 */
static bool key_forgotten(const struct ddns_sender *sender, const struct ddns_target *target,
                          const char *zone, const struct ddns_tsig_signer *signer)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(zone);
	ldns_pkt *query =
	    qname != NULL ? ldns_pkt_query_new(qname, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0) : NULL;
	if (query == NULL) {
		ldns_rdf_deep_free(qname);
		return false;
	}
	ldns_pkt *reply = NULL;
	struct ddns_exchange_info info;
	int err = ddns_exchange(sender->transport, &target->addr, query, signer, sender->timeout_ms,
	                        &reply, &info);
	ldns_pkt_free(reply);
	ldns_pkt_free(query);
	return err == DDNS_ETSIG;
}

/* One signed (or unsigned) exchange of query with target, GSS-TSIG keys taken and given back. */
static void attempt(const struct ddns_sender *sender, const struct ddns_tsig_key *key,
                    const char *zone, const ldns_buffer *query, struct ddns_send_attempt *a)
{
	struct ddns_gss_key *gss_key = NULL;
	struct ddns_tsig_signer signer = {0};
	const char *key_name = key != NULL ? key->name : "";
	for (int tries = 0; tries < 2; tries++) {
		if (key != NULL && key->gss) {
			a->error =
			    ddns_gss_acquire(sender->gss, sender->transport, a->target,
			                     sender->timeout_ms, &gss_key, a->why, sizeof(a->why));
			if (a->error != DDNS_OK)
				return;
			signer = ddns_gss_signer(gss_key);
			key_name = ddns_gss_key_name(gss_key);
		} else if (key != NULL) {
			signer = ddns_tsig_hmac_signer(key);
		}
		ldns_pkt *reply = NULL;
		a->error = ddns_exchange_wire(sender->transport, &a->target->addr, query,
		                              key != NULL ? &signer : NULL, sender->timeout_ms,
		                              &reply, &a->info);
		ldns_pkt_free(reply);
		if (a->error == DDNS_OK)
			a->error = ddns_rcode_error(a->info.rcode);
		take_unsigned_error(a);
		note_bare_mac(sender->quirks, a);
		describe(a, key_name);
		if (gss_key == NULL)
			return;
		/* The server lost the key (restart, expiry): negotiate again, sign afresh, once. */
		bool badkey = a->error == DDNS_ETSIG && a->info.tsig_error == DDNS_TSIG_BADKEY;
		bool forgotten = !badkey && tries == 0 && a->error == DDNS_EREFUSED &&
		                 a->unauthenticated &&
		                 key_forgotten(sender, a->target, zone, &signer);
		if ((badkey && tries == 0) || forgotten)
			log_info(
			    DDNS_DIRECT_GSS_BADKEY,
			    "server %s (%s) no longer knows GSS-TSIG key %s (%s); negotiating a "
			    "new one",
			    a->target->name, a->target->addr.text, key_name,
			    badkey ? "BADKEY: restarted, or the key expired there"
			           : "it refused an update signed with it and left a query signed "
			             "with it unsigned, as Samba does after a restart");
		badkey |= forgotten;
		ddns_gss_release(sender->gss, gss_key, badkey);
		gss_key = NULL;
		key_name = ""; /* it lived in the key */
		if (!badkey)
			return;
	}
}

enum ddns_send_result ddns_send_changes(const struct ddns_sender *sender,
                                        const struct ddns_target_set *ts,
                                        const struct ddns_change *const *changes, size_t n,
                                        ddns_send_observer observer, void *ctx, int *answer)
{
	ldns_buffer *query = ddns_update_build_owned(ts->zone, ts->ownership, changes, n);
	if (query == NULL) {
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "%s: cannot build the UPDATE message (out of memory)", changes[0]->owner);
		return DDNS_SEND_FAILED;
	}
	enum ddns_send_result result = DDNS_SEND_FAILED;
	bool stale = false;
	*answer = DDNS_ENOTARGET;
	for (size_t i = 0; i < ts->n_targets && result == DDNS_SEND_FAILED; i++) {
		struct ddns_send_attempt a = {.target = &ts->targets[i]};
		int64_t started = ddns_clock_now_ms();
		attempt(sender, ts->key, ts->zone, query, &a);
		a.ms = (long)(ddns_clock_now_ms() - started);
		a.final = is_prerequisite_failure(a.error);
		*answer = a.error;
		if (a.error == DDNS_OK)
			result = DDNS_SEND_APPLIED;
		else if (a.final)
			result = DDNS_SEND_FINAL;
		stale |= ts->discovered && (a.error == DDNS_ENOTAUTH || a.error == DDNS_ENOTZONE);
		observer(ctx, &a);
	}
	ldns_buffer_free(query);
	return result == DDNS_SEND_FAILED && stale ? DDNS_SEND_STALE : result;
}

enum ddns_send_result ddns_send_change(const struct ddns_sender *sender,
                                       const struct ddns_target_set *ts,
                                       const struct ddns_change *change,
                                       ddns_send_observer observer, void *ctx, int *answer)
{
	return ddns_send_changes(sender, ts, &change, 1, observer, ctx, answer);
}
