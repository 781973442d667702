/* SPDX-License-Identifier: MPL-2.0 */
/* UPDATE message construction; see update.h. */
#include <stdio.h>
#include <sys/socket.h>

#include "update/update.h"

void ddns_reverse_name(int family, const uint8_t *address, char *out)
{
	if (family == AF_INET) {
		snprintf(out, DDNS_NAME_MAX, "%u.%u.%u.%u.in-addr.arpa.", address[3], address[2],
		         address[1], address[0]);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 15; i >= 0; i--) {
		*p++ = hex[address[i] & 0xF];
		*p++ = '.';
		*p++ = hex[address[i] >> 4];
		*p++ = '.';
	}
	snprintf(p, DDNS_NAME_MAX - (size_t)(p - out), "ip6.arpa.");
}

/* A record with an owner, a type and a class and no rdata: "delete this RRset" (class ANY). */
static ldns_rr *rrset_deletion(const char *owner, ldns_rr_type type)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *name = ldns_dname_new_frm_str(owner);
	if (rr == NULL || name == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(name);
		return NULL;
	}
	ldns_rr_set_owner(rr, name);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	ldns_rr_set_question(rr, false);
	return rr;
}

static ldns_rr *record(const struct ddns_change *change)
{
	char text[2 * DDNS_NAME_MAX + 64];
	ldns_rr *rr = NULL;
	snprintf(text, sizeof(text), "%s %u IN %s %s", change->owner, change->ttl,
	         ldns_rr_descript(change->type)->_name, change->rdata);
	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

ldns_pkt *ddns_update_build(const char *zone, const struct ddns_change *change)
{
	ldns_rdf *zone_rdf = ldns_dname_new_frm_str(zone);
	ldns_rr_list *updates = ldns_rr_list_new();
	ldns_rr *rr = record(change);
	ldns_pkt *pkt = NULL;

	if (zone_rdf == NULL || updates == NULL || rr == NULL)
		goto out;
	if (change->op == DDNS_CHANGE_ADD) {
		ldns_rr *del = rrset_deletion(change->owner, change->type);
		if (del == NULL || !ldns_rr_list_push_rr(updates, del)) {
			ldns_rr_free(del);
			goto out;
		}
	} else {
		/* Class NONE with TTL 0 deletes exactly this record (RFC 2136 section 2.5.4). */
		ldns_rr_set_class(rr, LDNS_RR_CLASS_NONE);
		ldns_rr_set_ttl(rr, 0);
	}
	if (!ldns_rr_list_push_rr(updates, rr))
		goto out;
	rr = NULL;
	/* Takes zone_rdf, copies the lists. */
	pkt = ldns_update_pkt_new(zone_rdf, LDNS_RR_CLASS_IN, NULL, updates, NULL);
	zone_rdf = NULL;
	if (pkt != NULL)
		ldns_pkt_set_rd(pkt, false);
out:
	ldns_rr_free(rr);
	ldns_rr_list_deep_free(updates);
	ldns_rdf_deep_free(zone_rdf);
	return pkt;
}

void ddns_change_describe(const struct ddns_change *change, char *out, size_t len)
{
	snprintf(out, len, "%s %s %s %s", change->op == DDNS_CHANGE_ADD ? "add" : "remove",
	         ldns_rr_descript(change->type)->_name, change->owner, change->rdata);
}
