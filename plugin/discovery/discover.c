/* SPDX-License-Identifier: MPL-2.0 */
/* SOA, NS and address lookups through the resolvers; see discover.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ddns/error.h"
#include "discovery/discover.h"
#include "transport/exchange.h"
#include "util/log.h"

/* Room for a large NS set without truncation; 1232 is the DNS flag day 2020 default. */
#define EDNS_BUFFER 1232

void ddns_name_parent(const char *name, char *out)
{
	const char *dot = strchr(name, '.');
	if (dot == NULL || dot[1] == '\0')
		strcpy(out, ".");
	else
		snprintf(out, DDNS_NAME_MAX, "%s", dot + 1);
}

static void rdf_name(const ldns_rdf *rdf, char *out)
{
	char *s = ldns_rdf2str(rdf);
	const char *why;
	/* Names from replies may hold characters outside our policy (escapes); keep them out. */
	if (s == NULL || ddns_name_normalize(s, NAME_SERVICE, true, out, &why) != 0)
		strcpy(out, "");
	free(s);
}

/*
 * Sends one query to the resolvers, starting with the one that answered last. A reply counts
 * when its RCODE is NOERROR or NXDOMAIN; SERVFAIL, REFUSED, other RCODEs and transport failures
 * move on to the next resolver. Returns DDNS_OK with *reply, or the last failure.
 */
static int lookup(struct ddns_resolvers *r, const char *name, ldns_rr_type type, ldns_pkt **reply)
{
	const char *type_name = ldns_rr_descript(type)->_name;
	int rc = DDNS_ETIMEOUT;
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	if (qname == NULL)
		return DDNS_ENOMEM;
	ldns_pkt *query = ldns_pkt_query_new(qname, type, LDNS_RR_CLASS_IN, LDNS_RD);
	if (query == NULL)
		return DDNS_ENOMEM;
	ldns_pkt_set_edns_udp_size(query, EDNS_BUFFER);
	*reply = NULL;
	for (size_t i = 0; i < r->n; i++) {
		size_t k = (atomic_load(&r->preferred) + i) % r->n;
		const struct ddns_addr *resolver = &r->addrs[k];
		struct ddns_exchange_info info;
		ldns_pkt *answer = NULL;
		rc = ddns_exchange(r->transport, resolver, query, NULL, r->timeout_ms, &answer,
		                   &info);
		if (rc != DDNS_OK) {
			log_debug(DDNS_DIRECT_LOOKUP_FAILED, "query %s %s to resolver %s: %s",
			          type_name, name, resolver->text, ddns_strerror(rc));
			continue;
		}
		int rcode = ldns_pkt_get_rcode(answer);
		log_debug(DDNS_DIRECT_LOOKUP,
		          "query %s %s to resolver %s%s: %s, %zu answer and %zu authority records",
		          type_name, name, resolver->text, info.tcp ? " (TCP)" : "",
		          ddns_rcode_name(rcode), ldns_rr_list_rr_count(ldns_pkt_answer(answer)),
		          ldns_rr_list_rr_count(ldns_pkt_authority(answer)));
		if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
			rc = ddns_rcode_error(rcode);
			ldns_pkt_free(answer);
			continue;
		}
		atomic_store(&r->preferred, k);
		*reply = answer;
		rc = DDNS_OK;
		break;
	}
	ldns_pkt_free(query);
	return rc;
}

static bool owner_is(const ldns_rr *rr, const char *name)
{
	char owner[DDNS_NAME_MAX];
	rdf_name(ldns_rr_owner(rr), owner);
	return strcmp(owner, name) == 0;
}

/* True when the answer section aliases name (a CNAME at it, or a DNAME above it). */
static bool aliased(const ldns_pkt *reply, const char *name)
{
	const ldns_rr_list *answer = ldns_pkt_answer(reply);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		char owner[DDNS_NAME_MAX];
		rdf_name(ldns_rr_owner(rr), owner);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && strcmp(owner, name) == 0)
			return true;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME && ddns_name_in_zone(name, owner))
			return true;
	}
	return false;
}

/* Finds the SOA that states the zone of name in reply, if any. */
static bool usable_soa(const ldns_pkt *reply, const char *name, struct ddns_zone_info *out)
{
	const ldns_rr_list *answer = ldns_pkt_answer(reply);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && owner_is(rr, name) &&
		    ldns_rr_rd_count(rr) >= 1) {
			snprintf(out->zone, sizeof(out->zone), "%s", name);
			rdf_name(ldns_rr_rdf(rr, 0), out->mname);
			out->ttl = ldns_rr_ttl(rr);
			return true;
		}
	}
	/* With an alias in the answer, the authority section speaks of the alias target. */
	if (aliased(reply, name))
		return false;
	const ldns_rr_list *authority = ldns_pkt_authority(reply);
	for (size_t i = 0; i < ldns_rr_list_rr_count(authority); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(authority, i);
		char owner[DDNS_NAME_MAX];
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 1)
			continue;
		rdf_name(ldns_rr_owner(rr), owner);
		if (owner[0] == '\0' || !ddns_name_in_zone(name, owner))
			continue;
		snprintf(out->zone, sizeof(out->zone), "%s", owner);
		rdf_name(ldns_rr_rdf(rr, 0), out->mname);
		/* A negative answer's SOA TTL is the negative-caching time, not the zone's. */
		out->ttl = UINT32_MAX;
		return true;
	}
	return false;
}

int ddns_discover_zone(struct ddns_resolvers *r, const char *name, struct ddns_zone_info *out)
{
	char cur[DDNS_NAME_MAX];
	snprintf(cur, sizeof(cur), "%s", name);
	for (;;) {
		ldns_pkt *reply = NULL;
		int rc = lookup(r, cur, LDNS_RR_TYPE_SOA, &reply);
		if (rc != DDNS_OK) {
			log_debug(DDNS_DIRECT_ZONE_LOOKUP_FAILED,
			          "zone of %s: no resolver answered for %s (%s); not walking up",
			          name, cur, ddns_strerror(rc));
			return rc;
		}
		bool found = usable_soa(reply, cur, out);
		ldns_pkt_free(reply);
		if (found && strcmp(out->zone, ".") == 0) {
			/* Nobody updates the root zone: the name is in no zone of its own. */
			log_debug(DDNS_DIRECT_ZONE_NOT_FOUND,
			          "zone of %s: only the root zone claims it", name);
			return DDNS_ENOZONE;
		}
		if (found) {
			if (out->mname[0] == '\0')
				strcpy(out->mname, ".");
			log_debug(DDNS_DIRECT_ZONE_FOUND, "zone of %s is %s, MNAME %s", name,
			          out->zone, out->mname);
			return DDNS_OK;
		}
		if (strcmp(cur, ".") == 0) {
			log_debug(DDNS_DIRECT_ZONE_NOT_FOUND, "zone of %s: no SOA up to the root",
			          name);
			return DDNS_ENOZONE;
		}
		char parent[DDNS_NAME_MAX];
		ddns_name_parent(cur, parent);
		log_debug(DDNS_DIRECT_ZONE_WALK_UP, "no usable SOA for %s; trying %s", cur, parent);
		snprintf(cur, sizeof(cur), "%s", parent);
	}
}

static bool add_name(char names[][DDNS_NAME_MAX], size_t *n, const char *name)
{
	if (name[0] == '\0' || strcmp(name, ".") == 0 || *n >= DDNS_TARGETS_MAX)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return false;
	snprintf(names[(*n)++], DDNS_NAME_MAX, "%s", name);
	return true;
}

static void lower_ttl(uint32_t *ttl, uint32_t value)
{
	if (value < *ttl)
		*ttl = value;
}

/* Adds the addresses of host (through CNAMEs) of one type to out. */
static int resolve_host(struct ddns_resolvers *r, const char *host, ldns_rr_type type,
                        struct ddns_target *out, size_t *n, uint32_t *ttl)
{
	ldns_pkt *reply = NULL;
	int rc = lookup(r, host, type, &reply);
	if (rc != DDNS_OK)
		return rc;
	char cur[DDNS_NAME_MAX];
	snprintf(cur, sizeof(cur), "%s", host);
	const ldns_rr_list *answer = ldns_pkt_answer(reply);
	/* Follow the chain in the answer: each CNAME whose owner is the current name. */
	for (size_t hops = 0; hops < 8; hops++) {
		bool moved = false;
		for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(answer, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && owner_is(rr, cur)) {
				lower_ttl(ttl, ldns_rr_ttl(rr));
				rdf_name(ldns_rr_rdf(rr, 0), cur);
				log_debug(DDNS_DIRECT_SERVER_ALIAS, "%s is an alias of %s", host,
				          cur);
				moved = true;
				break;
			}
		}
		if (!moved)
			break;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer) && *n < DDNS_TARGETS_MAX; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (ldns_rr_get_type(rr) != type || !owner_is(rr, cur))
			continue;
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		struct ddns_addr addr;
		ddns_addr_from_bytes(type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6, ldns_rdf_data(rd),
		                     53, &addr);
		bool dup = false;
		for (size_t j = 0; j < *n; j++)
			dup |= strcmp(out[j].addr.text, addr.text) == 0;
		if (dup)
			continue;
		out[*n].addr = addr;
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", host);
		(*n)++;
		lower_ttl(ttl, ldns_rr_ttl(rr));
	}
	ldns_pkt_free(reply);
	return DDNS_OK;
}

int ddns_discover_targets(struct ddns_resolvers *r, const struct ddns_zone_info *zone,
                          struct ddns_target *out, size_t *n, uint32_t *ttl)
{
	char names[DDNS_TARGETS_MAX][DDNS_NAME_MAX];
	size_t n_names = 0;
	*n = 0;
	if (!add_name(names, &n_names, zone->mname))
		log_debug(DDNS_DIRECT_MNAME_UNUSABLE,
		          "zone %s: MNAME %s is not usable; using the NS set", zone->zone,
		          zone->mname);
	lower_ttl(ttl, zone->ttl);

	ldns_pkt *reply = NULL;
	int rc = lookup(r, zone->zone, LDNS_RR_TYPE_NS, &reply);
	if (rc == DDNS_OK) {
		const ldns_rr_list *answer = ldns_pkt_answer(reply);
		for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(answer, i);
			char host[DDNS_NAME_MAX];
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || !owner_is(rr, zone->zone))
				continue;
			rdf_name(ldns_rr_rdf(rr, 0), host);
			lower_ttl(ttl, ldns_rr_ttl(rr));
			add_name(names, &n_names, host);
		}
		ldns_pkt_free(reply);
	} else {
		log_debug(DDNS_DIRECT_NS_LOOKUP_FAILED,
		          "zone %s: NS lookup failed (%s); going on with the MNAME", zone->zone,
		          ddns_strerror(rc));
	}

	for (size_t i = 0; i < n_names; i++) {
		size_t before = *n;
		int rc4 = resolve_host(r, names[i], LDNS_RR_TYPE_A, out, n, ttl);
		int rc6 = resolve_host(r, names[i], LDNS_RR_TYPE_AAAA, out, n, ttl);
		if (*n == before)
			log_debug(DDNS_DIRECT_SERVER_NO_ADDRESS,
			          "zone %s: server name %s has no address (%s); skipped",
			          zone->zone, names[i], ddns_strerror(rc4 != DDNS_OK ? rc4 : rc6));
		else
			log_debug(DDNS_DIRECT_TARGET_FOUND, "zone %s: target %s at %s%s",
			          zone->zone, names[i], out[before].addr.text,
			          *n - before > 1 ? " (and more)" : "");
	}
	return *n > 0 ? DDNS_OK : DDNS_ENOTARGET;
}

int ddns_discover_alias(struct ddns_resolvers *r, const char *name, char *out)
{
	ldns_pkt *reply = NULL;
	snprintf(out, DDNS_NAME_MAX, "%s", name);
	int rc = lookup(r, name, LDNS_RR_TYPE_CNAME, &reply);
	if (rc != DDNS_OK)
		return rc;
	const ldns_rr_list *answer = ldns_pkt_answer(reply);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		char target[DDNS_NAME_MAX];
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME || !owner_is(rr, name))
			continue;
		rdf_name(ldns_rr_rdf(rr, 0), target);
		if (target[0] != '\0') {
			log_debug(DDNS_DIRECT_CLASSLESS_ALIAS,
			          "%s is an alias of %s (classless reverse delegation)", name,
			          target);
			snprintf(out, DDNS_NAME_MAX, "%s", target);
		}
		break;
	}
	ldns_pkt_free(reply);
	return DDNS_OK;
}
