/* SPDX-License-Identifier: MPL-2.0 */
/* Request/reply matching, TSIG and UDP-to-TCP fallback; see exchange.h. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ddns/error.h"
#include "transport/exchange.h"
#include "transport/tsig.h"
#include "util/log.h"

int ddns_rcode_error(int rcode)
{
	switch (rcode) {
	case LDNS_RCODE_NOERROR:
		return DDNS_OK;
	case LDNS_RCODE_FORMERR:
		return DDNS_EFORMERR;
	case LDNS_RCODE_SERVFAIL:
		return DDNS_ESERVFAIL;
	case LDNS_RCODE_NXDOMAIN:
		return DDNS_ENXDOMAIN;
	case LDNS_RCODE_NOTIMPL:
		return DDNS_ENOTIMP;
	case LDNS_RCODE_REFUSED:
		return DDNS_EREFUSED;
	case LDNS_RCODE_YXDOMAIN:
		return DDNS_EYXDOMAIN;
	case LDNS_RCODE_YXRRSET:
		return DDNS_EYXRRSET;
	case LDNS_RCODE_NXRRSET:
		return DDNS_ENXRRSET;
	case LDNS_RCODE_NOTAUTH:
		return DDNS_ENOTAUTH;
	case LDNS_RCODE_NOTZONE:
		return DDNS_ENOTZONE;
	default:
		return DDNS_ERCODE;
	}
}

const char *ddns_rcode_name(int rcode)
{
	const ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, rcode);
	return lt != NULL ? lt->name : "unknown";
}

const char *ddns_tsig_error_name(int tsig_error)
{
	switch (tsig_error) {
	case 0:
		return "none";
	case 16:
		return "BADSIG";
	case 17:
		return "BADKEY";
	case 18:
		return "BADTIME";
	case 19:
		return "BADMODE";
	case 20:
		return "BADNAME";
	case 21:
		return "BADALG";
	case 22:
		return "BADTRUNC";
	default:
		return "unknown";
	}
}

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id)) {
		/* getrandom on a 2-byte buffer cannot be short once the pool is ready; be safe. */
		id = (uint16_t)random();
	}
	return id;
}

static bool same_question(const ldns_pkt *query, const ldns_pkt *reply)
{
	const ldns_rr_list *q = ldns_pkt_question(query);
	const ldns_rr_list *r = ldns_pkt_question(reply);
	if (ldns_rr_list_rr_count(r) != 1 || ldns_rr_list_rr_count(q) != 1)
		return false;
	const ldns_rr *qr = ldns_rr_list_rr(q, 0), *rr = ldns_rr_list_rr(r, 0);
	return ldns_rr_get_type(qr) == ldns_rr_get_type(rr) &&
	       ldns_rr_get_class(qr) == ldns_rr_get_class(rr) &&
	       ldns_dname_compare(ldns_rr_owner(qr), ldns_rr_owner(rr)) == 0;
}

/* Checks that reply answers query; a FORMERR may come without the question. */
static bool matches(const ldns_pkt *query, const ldns_pkt *reply)
{
	if (!ldns_pkt_qr(reply) || ldns_pkt_id(reply) != ldns_pkt_id(query) ||
	    ldns_pkt_get_opcode(reply) != ldns_pkt_get_opcode(query))
		return false;
	if (ldns_pkt_qdcount(reply) == 0 && ldns_pkt_get_rcode(reply) == LDNS_RCODE_FORMERR)
		return true;
	return same_question(query, reply);
}

/* Whether the wire names a and b (len bytes each, both whole names) are equal, ignoring case. */
static bool same_name(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return false;
	return true;
}

/* Writes name, as a pointer to the zone's name at offset 12 after the labels above the zone when
 * it is in the zone, else whole. */
static void put_owner(ldns_buffer *b, const ldns_rdf *name, const ldns_rdf *zone)
{
	const uint8_t *n = ldns_rdf_data(name), *z = ldns_rdf_data(zone);
	size_t n_len = ldns_rdf_size(name), z_len = ldns_rdf_size(zone), above = 0;
	while (above < n_len && n_len - above > z_len && n[above] != 0)
		above += 1 + (size_t)n[above];
	if (!ldns_buffer_reserve(b, n_len))
		return;
	if (above < n_len && n_len - above == z_len && z_len > 1 &&
	    same_name(n + above, z, z_len)) {
		ldns_buffer_write(b, n, above);
		ldns_buffer_write_u16(b, 0xC000 | LDNS_HEADER_SIZE);
	} else {
		ldns_buffer_write(b, n, n_len);
	}
}

static void put_section(ldns_buffer *b, const ldns_rr_list *rrs, const ldns_rdf *zone)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		put_owner(b, ldns_rr_owner(rr), zone);
		if (!ldns_buffer_reserve(b, 10))
			return;
		ldns_buffer_write_u16(b, ldns_rr_get_type(rr));
		ldns_buffer_write_u16(b, ldns_rr_get_class(rr));
		ldns_buffer_write_u32(b, ldns_rr_ttl(rr));
		size_t rdlength_at = ldns_buffer_position(b);
		ldns_buffer_write_u16(b, 0);
		ldns_rr_rdata2buffer_wire(b, rr);
		ldns_buffer_write_u16_at(b, rdlength_at,
		                         (uint16_t)(ldns_buffer_position(b) - rdlength_at - 2));
	}
}

/* An UPDATE's wire form (see ddns_wire_of); false when out of memory. */
static bool put_update(ldns_buffer *b, const ldns_pkt *pkt)
{
	const ldns_rr *zone = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	const ldns_rr_list *sections[] = {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt),
	                                  ldns_pkt_additional(pkt)};
	ldns_buffer_write_u16(b, ldns_pkt_id(pkt));
	ldns_buffer_write_u8(b, (uint8_t)(ldns_pkt_get_opcode(pkt) << 3));
	ldns_buffer_write_u8(b, 0);
	ldns_buffer_write_u16(b, 1);
	for (size_t i = 0; i < 3; i++)
		ldns_buffer_write_u16(b, (uint16_t)ldns_rr_list_rr_count(sections[i]));
	/* The zone section: the zone's name whole, at offset 12 for every pointer after it. */
	const ldns_rdf *zone_name = ldns_rr_owner(zone);
	if (!ldns_buffer_reserve(b, ldns_rdf_size(zone_name) + 4))
		return false;
	ldns_buffer_write(b, ldns_rdf_data(zone_name), ldns_rdf_size(zone_name));
	ldns_buffer_write_u16(b, ldns_rr_get_type(zone));
	ldns_buffer_write_u16(b, ldns_rr_get_class(zone));
	for (size_t i = 0; i < 3; i++)
		put_section(b, sections[i], zone_name);
	return ldns_buffer_status_ok(b);
}

ldns_buffer *ddns_wire_of(const ldns_pkt *pkt)
{
	ldns_buffer *b = ldns_buffer_new(4096);
	if (b == NULL)
		return NULL;
	bool update = ldns_pkt_get_opcode(pkt) == LDNS_PACKET_UPDATE &&
	              ldns_rr_list_rr_count(ldns_pkt_question(pkt)) == 1 &&
	              ldns_pkt_edns(pkt) == false && ldns_pkt_tsig(pkt) == NULL;
	bool ok = update ? put_update(b, pkt) : ldns_pkt2buffer_wire(b, pkt) == LDNS_STATUS_OK;
	if (!ok) {
		ldns_buffer_free(b);
		return NULL;
	}
	return b;
}

/* ddns_exchange and ddns_exchange_stream; keep_wire (may be NULL) takes the reply's bytes. */
static int exchange(const struct ddns_transport *transport, const struct ddns_addr *server,
                    ldns_pkt *query, const struct ddns_tsig_signer *signer, bool tcp,
                    int timeout_ms, ldns_pkt **reply, struct ddns_exchange_info *info,
                    uint8_t **keep_wire, size_t *keep_len)
{
	int rc;

	*reply = NULL;
	info->rcode = -1;
	info->tsig_error = 0;
	info->tcp = false;
	info->tsig_form = DDNS_TSIG_FORM_NONE;

	uint8_t mac[DDNS_TSIG_MAC_MAX];
	size_t mac_len = 0;
	ldns_pkt_set_id(query, random_id());
	ldns_rr_free(ldns_pkt_tsig(query));
	ldns_pkt_set_tsig(query, NULL);
	ldns_buffer *query_wire = ddns_wire_of(query);
	if (query_wire == NULL)
		return DDNS_ENOMEM;
	if (signer != NULL && (rc = ddns_tsig_sign(query_wire, signer, mac, &mac_len)) != DDNS_OK) {
		ldns_buffer_free(query_wire);
		return rc;
	}
	const uint8_t *wire = ldns_buffer_begin(query_wire);
	size_t wire_len = ldns_buffer_position(query_wire);

	/* RFC 1035's UDP limit: a larger message (several changes in one UPDATE) goes over TCP. */
	info->tcp = tcp || wire_len > DDNS_UDP_MAX || (signer != NULL && signer->stream);
	/* On the stack: a 64 KB buffer taken from the heap and freed for every message makes the
	 * allocator hand it back to the kernel each time. */
	uint8_t buf[DDNS_MSG_MAX];
	for (;;) {
		size_t len = 0;
		rc = transport->exchange(transport->ctx, server, info->tcp, wire, wire_len, buf,
		                         &len, timeout_ms);
		if (rc == DDNS_ETIMEOUT && !info->tcp) {
			/* A lost or filtered UDP datagram: the same server may still answer TCP. */
			info->tcp = true;
			continue;
		}
		if (rc != DDNS_OK)
			break;
		ldns_pkt *parsed = NULL;
		if (ldns_wire2pkt(&parsed, buf, len) != LDNS_STATUS_OK || !matches(query, parsed)) {
			ldns_pkt_free(parsed);
			rc = DDNS_EMALFORMED;
			break;
		}
		if (ldns_pkt_tc(parsed)) {
			ldns_pkt_free(parsed);
			if (info->tcp) {
				rc = DDNS_ETRUNCATED;
				break;
			}
			info->tcp = true;
			continue;
		}
		if (signer != NULL &&
		    (rc = ddns_tsig_verify(buf, len, parsed, signer, mac, mac_len,
		                           &info->tsig_error, &info->tsig_form)) != DDNS_OK) {
			info->rcode = ldns_pkt_get_rcode(parsed);
			ldns_pkt_free(parsed);
			break;
		}
		info->rcode = ldns_pkt_get_rcode(parsed);
		if (keep_wire != NULL) {
			if ((*keep_wire = malloc(len)) == NULL) {
				ldns_pkt_free(parsed);
				rc = DDNS_ENOMEM;
				break;
			}
			memcpy(*keep_wire, buf, len);
			*keep_len = len;
		}
		*reply = parsed;
		break;
	}
	ldns_buffer_free(query_wire);
	return rc;
}

int ddns_exchange(const struct ddns_transport *transport, const struct ddns_addr *server,
                  ldns_pkt *query, const struct ddns_tsig_signer *signer, int timeout_ms,
                  ldns_pkt **reply, struct ddns_exchange_info *info)
{
	return exchange(transport, server, query, signer, false, timeout_ms, reply, info, NULL,
	                NULL);
}

int ddns_exchange_stream(const struct ddns_transport *transport, const struct ddns_addr *server,
                         ldns_pkt *query, int timeout_ms, ldns_pkt **reply, uint8_t **wire,
                         size_t *wire_len, struct ddns_exchange_info *info)
{
	*wire = NULL;
	return exchange(transport, server, query, NULL, true, timeout_ms, reply, info, wire,
	                wire_len);
}
