/* SPDX-License-Identifier: MPL-2.0 */
/* Sending one change to a zone's targets; see send.h. */
#include <stdio.h>

#include "ddns/error.h"
#include "engine/send.h"
#include "queue/queue.h"
#include "util/log.h"

static bool is_prerequisite_failure(int err)
{
	return err == DDNS_EYXDOMAIN || err == DDNS_EYXRRSET || err == DDNS_ENXDOMAIN ||
	       err == DDNS_ENXRRSET;
}

static void describe(struct ddns_send_attempt *a, const struct ddns_tsig_key *key)
{
	if (a->error == DDNS_ETSIG && a->info.tsig_error != 0)
		snprintf(a->why, sizeof(a->why), "%s: reply has TSIG error %s for key %s",
		         ddns_strerror(a->error), ddns_tsig_error_name(a->info.tsig_error),
		         key->name);
	else if (a->error == DDNS_ETSIG && a->info.rcode > 0)
		snprintf(a->why, sizeof(a->why),
		         "%s: the reply (RCODE %s) is unsigned or fails verification with key %s",
		         ddns_strerror(a->error), ddns_rcode_name(a->info.rcode), key->name);
	else if (a->error == DDNS_ETSIG)
		snprintf(a->why, sizeof(a->why),
		         "%s: reply is unsigned or fails verification with key %s",
		         ddns_strerror(a->error), key->name);
	else
		snprintf(a->why, sizeof(a->why), "%s", ddns_strerror(a->error));
}

enum ddns_send_result ddns_send_changes(const struct ddns_transport *transport, int timeout_ms,
                                        const struct ddns_target_set *ts,
                                        const struct ddns_change *const *changes, size_t n,
                                        ddns_send_observer observer, void *ctx, int *answer)
{
	ldns_pkt *query = ddns_update_build_batch(ts->zone, changes, n);
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
		ldns_pkt *reply = NULL;
		int64_t started = ddns_now_ms();
		a.error = ddns_exchange(transport, &a.target->addr, query, ts->key, timeout_ms,
		                        &reply, &a.info);
		ldns_pkt_free(reply);
		if (a.error == DDNS_OK)
			a.error = ddns_rcode_error(a.info.rcode);
		a.ms = (long)(ddns_now_ms() - started);
		describe(&a, ts->key);
		a.final = is_prerequisite_failure(a.error);
		*answer = a.error;
		if (a.error == DDNS_OK)
			result = DDNS_SEND_APPLIED;
		else if (a.final)
			result = DDNS_SEND_FINAL;
		stale |= ts->discovered && (a.error == DDNS_ENOTAUTH || a.error == DDNS_ENOTZONE);
		observer(ctx, &a);
	}
	ldns_pkt_free(query);
	return result == DDNS_SEND_FAILED && stale ? DDNS_SEND_STALE : result;
}

enum ddns_send_result ddns_send_change(const struct ddns_transport *transport, int timeout_ms,
                                       const struct ddns_target_set *ts,
                                       const struct ddns_change *change,
                                       ddns_send_observer observer, void *ctx, int *answer)
{
	return ddns_send_changes(transport, timeout_ms, ts, &change, 1, observer, ctx, answer);
}
