/* SPDX-License-Identifier: MPL-2.0 */
/*
 * UPDATE message construction; see update.h. The sequences follow RFC 4703 section 5 for forward
 * names and Kea's DHCP-DDNS for reverse names:
 *
 * forward add, checking modes:  1. name not in use -> add record + DHCID
 *                               2. (if in use) our DHCID there (or any DHCID) -> replace record
 * forward remove, checking:     1. our DHCID there -> delete the record
 *                               2. our DHCID and no A/AAAA left -> delete the DHCID
 * no-check-with-dhcid:          add replaces record and DHCID; remove as above without the
 *                               DHCID prerequisite
 * reverse, with DHCID:          add replaces PTR and DHCID; remove deletes both, checking the
 *                               DHCID as the forward name does
 * without DHCID:                add replaces the RRset; remove deletes exactly the record
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ddns/error.h"
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

/* Builds messages with a "sticky" failure flag, so each step is a flat list of pushes. */
struct msg {
	ldns_rr_list *prereq;
	ldns_rr_list *update;
	ldns_rr_type mark; /* the owner's mark: DHCID, or TXT for servers without DHCID */
	bool failed;
};

static void push(struct msg *m, ldns_rr_list *list, ldns_rr *rr)
{
	if (rr == NULL || !ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_free(rr);
		m->failed = true;
	}
}

/* A record with no rdata: class ANY = "RRset exists / delete RRset", NONE = "does not exist". */
static ldns_rr *empty_rr(const char *owner, ldns_rr_class klass, ldns_rr_type type)
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
	ldns_rr_set_class(rr, klass);
	ldns_rr_set_ttl(rr, 0);
	ldns_rr_set_question(rr, false);
	return rr;
}

/* The rdata of the change's own record, built directly for the address and PTR records every
 * lease sends (parsing a record from text cost a sender more than the rest of the message); NULL
 * for other types, or when out of memory. */
static ldns_rdf *value_rdf(const struct ddns_change *c)
{
	switch (c->type) {
	case LDNS_RR_TYPE_A:
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, c->rdata);
	case LDNS_RR_TYPE_AAAA:
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, c->rdata);
	case LDNS_RR_TYPE_PTR:
		return ldns_dname_new_frm_str(c->rdata);
	default:
		return NULL;
	}
}

/* The change's own record, in class klass (IN to add, NONE to delete, with TTL 0). */
static ldns_rr *value_rr(const struct ddns_change *c, ldns_rr_class klass)
{
	ldns_rr *rr = NULL;
	ldns_rdf *rd = value_rdf(c);
	if (rd != NULL) {
		rr = empty_rr(c->owner, klass, c->type);
		if (rr == NULL || !ldns_rr_push_rdf(rr, rd)) {
			ldns_rr_free(rr);
			ldns_rdf_deep_free(rd);
			return NULL;
		}
	} else {
		/* Any other type (the probe's TXT) from text. */
		char text[2 * DDNS_NAME_MAX + 64];
		snprintf(text, sizeof(text), "%s %u IN %s %s", c->owner, c->ttl,
		         ldns_rr_descript(c->type)->_name, c->rdata);
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
			return NULL;
		ldns_rr_set_class(rr, klass);
	}
	ldns_rr_set_ttl(rr, klass == LDNS_RR_CLASS_IN ? c->ttl : 0);
	return rr;
}

/* The client's mark at the change's owner, its DHCID in the record type of m (a TXT holds its
 * base64 text): IN with TTL to add, IN with TTL 0 as a prerequisite. */
static ldns_rr *dhcid_rr(const struct msg *m, const struct ddns_change *c, uint32_t ttl)
{
	ldns_rr *rr = empty_rr(c->owner, LDNS_RR_CLASS_IN, m->mark);
	ldns_rdf *rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, DDNS_DHCID_LEN, c->dhcid);
	if (rd != NULL && m->mark == LDNS_RR_TYPE_TXT) {
		char *text = ldns_rdf2str(rd);
		ldns_rdf_deep_free(rd);
		rd = text != NULL ? ldns_rdf_new_frm_str(LDNS_RDF_TYPE_STR, text) : NULL;
		free(text);
	}
	if (rr == NULL || rd == NULL || !ldns_rr_push_rdf(rr, rd)) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(rd);
		return NULL;
	}
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* Prerequisite that the owner carries this client's DHCID (or, in check-exists mode, any). */
static void require_dhcid(struct msg *m, const struct ddns_change *c)
{
	if (c->mode == DDNS_CHECK_WITH_DHCID)
		push(m, m->prereq, dhcid_rr(m, c, 0));
	else if (c->mode == DDNS_CHECK_EXISTS_WITH_DHCID)
		push(m, m->prereq, empty_rr(c->owner, LDNS_RR_CLASS_ANY, m->mark));
}

static bool with_dhcid(const struct ddns_change *c)
{
	return c->mode != DDNS_NO_CHECK_WITHOUT_DHCID;
}

static bool checking(const struct ddns_change *c)
{
	return c->mode == DDNS_CHECK_WITH_DHCID || c->mode == DDNS_CHECK_EXISTS_WITH_DHCID;
}

static void forward_message(struct msg *m, const struct ddns_change *c)
{
	bool add = c->op == DDNS_CHANGE_ADD;
	if (add && checking(c) && c->step == 0) {
		push(m, m->prereq, empty_rr(c->owner, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_ANY));
		push(m, m->update, value_rr(c, LDNS_RR_CLASS_IN));
		push(m, m->update, dhcid_rr(m, c, c->ttl));
	} else if (add) {
		if (c->step > 0)
			require_dhcid(m, c);
		push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, c->type));
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, m->mark));
		push(m, m->update, value_rr(c, LDNS_RR_CLASS_IN));
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			push(m, m->update, dhcid_rr(m, c, c->ttl));
	} else if (c->step == 0) {
		require_dhcid(m, c);
		push(m, m->update, value_rr(c, LDNS_RR_CLASS_NONE));
	} else {
		/* The DHCID goes only with the last address of the name. */
		require_dhcid(m, c);
		push(m, m->prereq, empty_rr(c->owner, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_A));
		push(m, m->prereq, empty_rr(c->owner, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_AAAA));
		push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, m->mark));
	}
}

static void reverse_message(struct msg *m, const struct ddns_change *c)
{
	if (!with_dhcid(c)) {
		if (c->op == DDNS_CHANGE_ADD) {
			push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, c->type));
			push(m, m->update, value_rr(c, LDNS_RR_CLASS_IN));
		} else {
			push(m, m->update, value_rr(c, LDNS_RR_CLASS_NONE));
		}
		return;
	}
	if (c->op == DDNS_CHANGE_REMOVE)
		require_dhcid(m, c);
	push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, c->type));
	push(m, m->update, empty_rr(c->owner, LDNS_RR_CLASS_ANY, m->mark));
	if (c->op == DDNS_CHANGE_ADD) {
		push(m, m->update, value_rr(c, LDNS_RR_CLASS_IN));
		push(m, m->update, dhcid_rr(m, c, c->ttl));
	}
}

static bool is_forward(const struct ddns_change *c)
{
	return c->type == LDNS_RR_TYPE_A || c->type == LDNS_RR_TYPE_AAAA;
}

bool ddns_update_marked(const struct ddns_change *change)
{
	return with_dhcid(change) && (is_forward(change) || change->type == LDNS_RR_TYPE_PTR);
}

/* Appends change's message to m; each change's records keep their order. */
static void append_change(struct msg *m, const struct ddns_change *change,
                          enum ddns_ownership ownership)
{
	/* Only A, AAAA and PTR carry marks; anything else (the probe's TXT) is a plain replace. */
	struct ddns_change c = *change;
	if (!ddns_update_marked(&c) || ownership == DDNS_OWNER_NONE)
		c.mode = DDNS_NO_CHECK_WITHOUT_DHCID;
	if (is_forward(&c))
		forward_message(m, &c);
	else
		reverse_message(m, &c);
}

ldns_pkt *ddns_update_build_owned(const char *zone, enum ddns_ownership ownership,
                                  const struct ddns_change *const *changes, size_t n)
{
	struct msg m = {ldns_rr_list_new(), ldns_rr_list_new(),
	                ownership == DDNS_OWNER_TXT ? LDNS_RR_TYPE_TXT : LDNS_RR_TYPE_DHCID, false};
	ldns_rdf *zone_rdf = ldns_dname_new_frm_str(zone);
	ldns_pkt *pkt = NULL;
	m.failed = m.prereq == NULL || m.update == NULL || zone_rdf == NULL || n == 0;
	for (size_t i = 0; i < n && !m.failed; i++)
		append_change(&m, changes[i], ownership);
	if (!m.failed) {
		/* Takes zone_rdf, copies the lists. */
		pkt = ldns_update_pkt_new(zone_rdf, LDNS_RR_CLASS_IN, m.prereq, m.update, NULL);
		zone_rdf = NULL;
		if (pkt != NULL)
			ldns_pkt_set_rd(pkt, false);
	}
	ldns_rdf_deep_free(zone_rdf);
	ldns_rr_list_deep_free(m.prereq);
	ldns_rr_list_deep_free(m.update);
	return pkt;
}

ldns_pkt *ddns_update_build_batch(const char *zone, const struct ddns_change *const *changes,
                                  size_t n)
{
	return ddns_update_build_owned(zone, DDNS_OWNER_DHCID, changes, n);
}

ldns_pkt *ddns_update_build(const char *zone, const struct ddns_change *change)
{
	return ddns_update_build_batch(zone, &change, 1);
}

enum ddns_step ddns_update_next(const struct ddns_change *c, int answer)
{
	bool forward = is_forward(c);
	if (c->op == DDNS_CHANGE_ADD) {
		if (answer == DDNS_OK)
			return DDNS_STEP_DONE;
		/* Name in use at the first step: try the takeover of our own name. */
		if (forward && checking(c) && c->step == 0 && answer == DDNS_EYXDOMAIN)
			return DDNS_STEP_NEXT;
		return DDNS_STEP_CONFLICT;
	}
	if (answer != DDNS_OK)
		/* A removal's first prerequisite failing means the record is not ours (or gone);
		 * at the DHCID step it means other addresses still use the name. */
		return c->step == 0 ? DDNS_STEP_NOT_OURS : DDNS_STEP_DONE;
	return forward && with_dhcid(c) && c->step == 0 ? DDNS_STEP_NEXT : DDNS_STEP_DONE;
}

void ddns_change_describe(const struct ddns_change *change, char *out, size_t len)
{
	snprintf(out, len, "%s %s %s %s%s", change->op == DDNS_CHANGE_ADD ? "add" : "remove",
	         ldns_rr_descript(change->type)->_name, change->owner, change->rdata,
	         change->step == 0               ? ""
	         : change->op == DDNS_CHANGE_ADD ? " (name in use: checking its DHCID)"
	                                         : " (removing the DHCID)");
}
