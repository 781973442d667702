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
#include <string.h>
#include <sys/socket.h>

#include "ddns/error.h"
#include "update/update.h"

/* Writes an octet's decimal digits and a dot at p; returns the end. */
static char *put_decimal_label(char *p, unsigned octet)
{
	if (octet >= 100)
		*p++ = (char)('0' + octet / 100);
	if (octet >= 10)
		*p++ = (char)('0' + octet / 10 % 10);
	*p++ = (char)('0' + octet % 10);
	*p++ = '.';
	return p;
}

void ddns_reverse_name(int family, const uint8_t *address, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	if (family == AF_INET) {
		for (int i = 3; i >= 0; i--)
			p = put_decimal_label(p, address[i]);
		memcpy(p, "in-addr.arpa.", sizeof("in-addr.arpa."));
		return;
	}
	for (int i = 15; i >= 0; i--) {
		*p++ = hex[address[i] & 0xF];
		*p++ = '.';
		*p++ = hex[address[i] >> 4];
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa.", sizeof("ip6.arpa."));
}

/*
 * Builds a message with a "sticky" failure flag, so each step is a flat list of pushes. Records go
 * straight into the packet's sections (RFC 2136 reuses the answer section for prerequisites and
 * the authority section for updates); the change's names are converted to the wire form once.
 */
struct msg {
	ldns_pkt *pkt;
	ldns_rr_type mark; /* the owner's mark: DHCID, or TXT for servers without DHCID */
	bool failed;
	uint8_t owner[DDNS_NAME_WIRE_MAX]; /* the current change's owner, wire form */
	size_t owner_len;
};

static const ldns_pkt_section PREREQ = LDNS_SECTION_ANSWER, UPDATE = LDNS_SECTION_AUTHORITY;

static void push(struct msg *m, ldns_pkt_section section, ldns_rr *rr)
{
	if (rr == NULL || !ldns_pkt_push_rr(m->pkt, section, rr)) {
		ldns_rr_free(rr);
		m->failed = true;
	}
}

/* A record with no rdata: class ANY = "RRset exists / delete RRset", NONE = "does not exist". */
static ldns_rr *empty_rr(const struct msg *m, ldns_rr_class klass, ldns_rr_type type)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *name = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, m->owner_len, m->owner);
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
	uint8_t wire[DDNS_NAME_WIRE_MAX];
	size_t len;
	switch (c->type) {
	case LDNS_RR_TYPE_A:
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, c->rdata);
	case LDNS_RR_TYPE_AAAA:
		return ldns_rdf_new_frm_str(LDNS_RDF_TYPE_AAAA, c->rdata);
	case LDNS_RR_TYPE_PTR:
		len = ddns_name_wire(c->rdata, wire);
		return len > 0 ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, wire) : NULL;
	default:
		return NULL;
	}
}

/* The change's own record, in class klass (IN to add, NONE to delete, with TTL 0). */
static ldns_rr *value_rr(const struct msg *m, const struct ddns_change *c, ldns_rr_class klass)
{
	ldns_rr *rr = NULL;
	ldns_rdf *rd = value_rdf(c);
	if (rd != NULL) {
		rr = empty_rr(m, klass, c->type);
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
	ldns_rr *rr = empty_rr(m, LDNS_RR_CLASS_IN, m->mark);
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
		push(m, PREREQ, dhcid_rr(m, c, 0));
	else if (c->mode == DDNS_CHECK_EXISTS_WITH_DHCID)
		push(m, PREREQ, empty_rr(m, LDNS_RR_CLASS_ANY, m->mark));
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
		push(m, PREREQ, empty_rr(m, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_ANY));
		push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_IN));
		push(m, UPDATE, dhcid_rr(m, c, c->ttl));
	} else if (add) {
		if (c->step > 0)
			require_dhcid(m, c);
		push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, c->type));
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, m->mark));
		push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_IN));
		if (c->mode == DDNS_NO_CHECK_WITH_DHCID)
			push(m, UPDATE, dhcid_rr(m, c, c->ttl));
	} else if (c->step == 0) {
		require_dhcid(m, c);
		push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_NONE));
	} else {
		/* The DHCID goes only with the last address of the name. */
		require_dhcid(m, c);
		push(m, PREREQ, empty_rr(m, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_A));
		push(m, PREREQ, empty_rr(m, LDNS_RR_CLASS_NONE, LDNS_RR_TYPE_AAAA));
		push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, m->mark));
	}
}

static void reverse_message(struct msg *m, const struct ddns_change *c)
{
	if (!with_dhcid(c)) {
		if (c->op == DDNS_CHANGE_ADD) {
			push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, c->type));
			push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_IN));
		} else {
			push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_NONE));
		}
		return;
	}
	if (c->op == DDNS_CHANGE_REMOVE)
		require_dhcid(m, c);
	push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, c->type));
	push(m, UPDATE, empty_rr(m, LDNS_RR_CLASS_ANY, m->mark));
	if (c->op == DDNS_CHANGE_ADD) {
		push(m, UPDATE, value_rr(m, c, LDNS_RR_CLASS_IN));
		push(m, UPDATE, dhcid_rr(m, c, c->ttl));
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
	m->owner_len = ddns_name_wire(c.owner, m->owner);
	if (m->owner_len == 0) {
		m->failed = true;
		return;
	}
	if (is_forward(&c))
		forward_message(m, &c);
	else
		reverse_message(m, &c);
}

ldns_pkt *ddns_update_build_owned(const char *zone, enum ddns_ownership ownership,
                                  const struct ddns_change *const *changes, size_t n)
{
	struct msg m = {.mark =
	                    ownership == DDNS_OWNER_TXT ? LDNS_RR_TYPE_TXT : LDNS_RR_TYPE_DHCID};
	uint8_t wire[DDNS_NAME_WIRE_MAX];
	size_t len = ddns_name_wire(zone, wire);
	ldns_rdf *zone_rdf = len > 0 ? ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, len, wire) : NULL;
	/* The zone section is a question for the zone's SOA; the packet takes zone_rdf. */
	m.pkt = zone_rdf != NULL && n > 0
	            ? ldns_pkt_query_new(zone_rdf, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0)
	            : NULL;
	if (m.pkt == NULL) {
		ldns_rdf_deep_free(zone_rdf);
		return NULL;
	}
	ldns_pkt_set_opcode(m.pkt, LDNS_PACKET_UPDATE);
	for (size_t i = 0; i < n && !m.failed; i++)
		append_change(&m, changes[i], ownership);
	if (m.failed) {
		ldns_pkt_free(m.pkt);
		return NULL;
	}
	return m.pkt;
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
