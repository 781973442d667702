/* SPDX-License-Identifier: MPL-2.0 */
/* The periodic summary line; see summary.h. */
#include "engine/summary.h"
#include "util/log.h"

void ddns_summary_init(struct ddns_summary *s, uint32_t interval_s)
{
	*s = (struct ddns_summary){.interval_ms = (int64_t)interval_s * 1000, .due_ms = -1};
}

static bool active(const struct ddns_engine_stats *then, const struct ddns_engine_stats *now)
{
	return now->events != then->events || now->succeeded != then->succeeded ||
	       now->failed != then->failed || now->retries != then->retries ||
	       now->invalid != then->invalid;
}

int64_t ddns_summary_tick(struct ddns_summary *s, struct ddns_counters *counters, size_t owed,
                          int64_t now_ms)
{
	/* Called every worker round: the counters are read only when an interval may start or
	 * has ended. */
	if (s->interval_ms == 0)
		return -1;
	if (s->due_ms >= 0 && now_ms < s->due_ms)
		return s->due_ms;
	struct ddns_engine_stats now_stats = ddns_counters_get(counters);
	if (s->due_ms < 0) {
		if (!active(&s->at_last, &now_stats))
			return -1;
		s->due_ms = now_ms + s->interval_ms;
		return s->due_ms;
	}
	const struct ddns_engine_stats *a = &s->at_last, *b = &now_stats;
	log_info(DDNS_DIRECT_SUMMARY,
	         "last %lld s: %llu lease events, %llu record changes applied, %llu given up "
	         "(%llu conflicts), %llu retries, %llu names refused; %zu changes owed",
	         (long long)(s->interval_ms / 1000), (unsigned long long)(b->events - a->events),
	         (unsigned long long)(b->succeeded - a->succeeded),
	         (unsigned long long)(b->failed - a->failed),
	         (unsigned long long)(b->conflicts - a->conflicts),
	         (unsigned long long)(b->retries - a->retries),
	         (unsigned long long)(b->invalid - a->invalid), owed);
	s->at_last = now_stats;
	s->due_ms = -1;
	return -1;
}
