/* SPDX-License-Identifier: MPL-2.0 */
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "ddns/error.h"
#include "engine/plan.h"
#include "update/dhcid.h"
#include "util/clock.h"
#include "util/log.h"

static void change_init(struct ddns_change *c, enum ddns_change_op op, ldns_rr_type type,
                        const char *owner, const char *rdata, uint32_t ttl,
                        const struct ddns_published *p)
{
	memset(c, 0, sizeof(*c));
	c->op = op;
	c->type = type;
	c->ttl = ttl;
	c->mode = p->mode;
	memcpy(c->dhcid, p->dhcid, sizeof(c->dhcid));
	ddns_name_copy(c->owner, owner);
	ddns_name_copy(c->rdata, rdata);
}

/*
 * Adds the changes for p's records of the lease (its address as text in addr) to the plan. An
 * added reverse record waits for its forward name: if the name turns out to belong to another
 * client, the PTR is not published either.
 */
static void plan_records(const struct ddns_planner *pl, struct ddns_plan *plan,
                         enum ddns_change_op op, const struct ddns_lease_event *ev,
                         const char *addr, const struct ddns_published *p, bool best_effort)
{
	char rev[DDNS_NAME_MAX];
	struct ddns_job_record fwd = {.best_effort = best_effort,
	                              .valid_until = op == DDNS_CHANGE_ADD ? ev->expires : 0,
	                              .family = ev->family};
	uint32_t ttl = ddns_config_client_ttl(pl->cfg, &ev->dns, ev->lifetime);
	memcpy(fwd.address, ev->address, sizeof(fwd.address));
	struct ddns_job_record ptr = fwd;
	change_init(&fwd.change, op, ev->family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA,
	            p->fqdn, addr, ttl, p);
	ddns_reverse_name(ev->family, ev->address, rev);
	change_init(&ptr.change, op, LDNS_RR_TYPE_PTR, rev, p->fqdn, ttl, p);
	if (p->forward && p->reverse && op == DDNS_CHANGE_ADD) {
		fwd.has_then = true;
		fwd.then = ptr.change;
	}
	if (p->forward)
		plan->recs[plan->n++] = fwd;
	if (p->reverse && !fwd.has_then)
		plan->recs[plan->n++] = ptr;
}

static const char *kind_name(enum ddns_lease_kind kind)
{
	static const char *const names[] = {"granted", "released",    "declined",
	                                    "expired", "republished", "gone"};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* Sets p's conflict mode and DHCID from Kea's or the plugin's setting and the client identity. */
static void identify(const struct ddns_planner *pl, const struct ddns_lease_event *ev,
                     struct ddns_published *p)
{
	p->mode = ddns_config_client_mode(pl->cfg, &ev->dns);
	if (p->mode == DDNS_NO_CHECK_WITHOUT_DHCID)
		return;
	int rc = ddns_dhcid_compute(ev->id_type, ev->id, ev->id_len, p->fqdn, p->dhcid);
	if (rc == DDNS_EINVAL)
		log_warn(DDNS_DIRECT_NO_CLIENT_IDENTITY,
		         "%s: the lease carries no client identity, so no DHCID: published "
		         "without conflict checks",
		         p->fqdn);
	else if (rc != DDNS_OK)
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "%s: cannot compute the client's DHCID (%s): published without conflict "
		          "checks",
		          p->fqdn, ddns_strerror(rc));
	if (rc != DDNS_OK)
		p->mode = DDNS_NO_CHECK_WITHOUT_DHCID;
}

bool ddns_plan_lease_over(int64_t expires)
{
	return expires != 0 && expires <= ddns_clock_wall_s();
}

/* A renewal re-sends records last sent a lease lifetime or more ago, to repair deletions. */
static bool due_for_repair(const struct ddns_published *had, const struct ddns_lease_event *ev)
{
	return ddns_clock_now_ms() - had->since_ms >= (int64_t)ev->lifetime * 1000;
}

/* Fills plan; returns whether the address's published entry changed. */
static bool plan_changes(const struct ddns_planner *pl, const struct ddns_lease_event *ev,
                         struct ddns_plan *plan)
{
	char addr[INET6_ADDRSTRLEN];
	struct ddns_published want;
	const char *why = NULL;
	const struct ddns_published *had =
	    ddns_published_get(pl->published, ev->family, ev->address);
	bool grant = ev->kind == DDNS_LEASE_GRANTED || ev->kind == DDNS_LEASE_REPUBLISH;
	inet_ntop(ev->family, ev->address, addr, sizeof(addr));
	memset(&want, 0, sizeof(want));
	/* Replayed after a restart, a grant may be for a lease that ended meanwhile, whose end
	 * another server (an HA partner) may have handled: publishing it would leave a record of
	 * no lease. */
	if (grant && ddns_plan_lease_over(ev->expires)) {
		log_info(DDNS_DIRECT_LEASE_OVER,
		         "lease %s %s (%.*s): the lease ended before the event was handled; not "
		         "published",
		         addr, kind_name(ev->kind), 255, ev->fqdn);
		DDNS_COUNT(pl->counters, skipped, 1);
		return false;
	}

	if (ev->fqdn[0] != '\0' &&
	    ddns_name_normalize(ev->fqdn, NAME_HOST, false, want.fqdn, &why) != 0) {
		log_error(DDNS_DIRECT_NAME_REFUSED, "lease %s %s: name '%.*s' refused: %s", addr,
		          kind_name(ev->kind), 255, ev->fqdn, why);
		DDNS_COUNT(pl->counters, invalid, 1);
		if (grant && had == NULL)
			return false;
		want.fqdn[0] = '\0';
	}
	/* A resync saw no lease for a recorded name; since then the address may have been
	 * released or taken by another name, and then there is nothing of it to withdraw. */
	if (ev->kind == DDNS_LEASE_GONE && (had == NULL || strcmp(had->fqdn, want.fqdn) != 0)) {
		log_debug(DDNS_DIRECT_RESYNC_NOT_RECORDED,
		          "lease %s gone: %s is no longer recorded as published there", addr,
		          want.fqdn);
		return false;
	}

	if (grant && want.fqdn[0] != '\0' && !ddns_config_allows(pl->cfg, want.fqdn)) {
		log_error(DDNS_DIRECT_NAME_NOT_ALLOWED,
		          "lease %s %s: name %s refused: outside the zones this server may update "
		          "(allowed-suffixes, or the zones list)",
		          addr, kind_name(ev->kind), want.fqdn);
		DDNS_COUNT(pl->counters, invalid, 1);
		if (had == NULL)
			return false;
		want.fqdn[0] = '\0';
	}
	if (grant && want.fqdn[0] != '\0') {
		want.forward = ev->forward && pl->cfg->forward;
		want.reverse = ev->reverse && pl->cfg->reverse;
		identify(pl, ev, &want);
	}
	bool same = had != NULL && want.forward == had->forward && want.reverse == had->reverse &&
	            strcmp(want.fqdn, had->fqdn) == 0;
	if (same && ev->kind != DDNS_LEASE_REPUBLISH && !due_for_repair(had, ev)) {
		log_debug(DDNS_DIRECT_ALREADY_PUBLISHED, "lease %s %s: %s already published", addr,
		          kind_name(ev->kind), want.fqdn);
		DDNS_COUNT(pl->counters, skipped, 1);
		return false;
	}
	bool changed = false;
	if (had != NULL && !same) {
		struct ddns_published old = *had;
		ddns_published_remove(pl->published, ev->family, ev->address);
		plan_records(pl, plan, DDNS_CHANGE_REMOVE, ev, addr, &old, false);
		changed = true;
	} else if (had == NULL && !grant && want.fqdn[0] != '\0') {
		/* Nothing recorded (an HA partner published it, or it was published before the
		 * state was kept): remove what the lease names, with its client's DHCID, which
		 * deletes only this client's records. */
		want.forward = pl->cfg->forward;
		want.reverse = pl->cfg->reverse;
		identify(pl, ev, &want);
		plan_records(pl, plan, DDNS_CHANGE_REMOVE, ev, addr, &want, !pl->partnered);
		return false;
	}
	if (!want.forward && !want.reverse) {
		if (had == NULL)
			DDNS_COUNT(pl->counters, skipped, 1);
		return changed;
	}
	want.since_ms = ddns_clock_now_ms();
	if (ddns_published_set(pl->published, ev->family, ev->address, &want) != DDNS_OK)
		log_error(DDNS_DIRECT_OUT_OF_MEMORY,
		          "lease %s: out of memory recording what is published; its removal will "
		          "use the lease's name",
		          addr);
	plan_records(pl, plan, DDNS_CHANGE_ADD, ev, addr, &want, false);
	return true;
}

void ddns_plan_event(const struct ddns_planner *pl, const struct ddns_lease_event *ev,
                     struct ddns_plan *plan)
{
	plan->n = 0;
	plan->changed = plan_changes(pl, ev, plan);
}
