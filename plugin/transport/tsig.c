/* SPDX-License-Identifier: MPL-2.0 */
/* TSIG signing and verification with OpenSSL's HMAC; see tsig.h. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ddns/error.h"
#include "transport/tsig.h"
#include "util/clock.h"

/* RFC 8945 recommends 300 s of allowed clock skew. */
#define TSIG_FUDGE 300

static const EVP_MD *digest_of(const char *algorithm)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} table[] = {
	    {"hmac-md5.sig-alg.reg.int.", EVP_md5}, {"hmac-sha1.", EVP_sha1},
	    {"hmac-sha224.", EVP_sha224},           {"hmac-sha256.", EVP_sha256},
	    {"hmac-sha384.", EVP_sha384},           {"hmac-sha512.", EVP_sha512},
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcasecmp(algorithm, table[i].name) == 0)
			return table[i].md();
	return NULL;
}

/* Writes a name in canonical (lower-case, uncompressed) wire form. */
static bool put_name(ldns_buffer *b, const char *name)
{
	ldns_rdf *rdf = ldns_dname_new_frm_str(name);
	if (rdf == NULL)
		return false;
	ldns_dname2canonical(rdf);
	ldns_buffer_write(b, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
	ldns_rdf_deep_free(rdf);
	return true;
}

/* The TSIG variables of RFC 8945 section 4.3.3, after the message. */
static bool put_variables(ldns_buffer *b, const struct ddns_tsig_signer *signer,
                          const uint8_t time[6], uint16_t fudge, uint16_t error,
                          const uint8_t *other, uint16_t other_len)
{
	/* ldns writes past a buffer's end unchecked: make room for the two names and the rest. */
	if (!ldns_buffer_reserve(b, 2 * (LDNS_MAX_DOMAINLEN + 1) + 20 + (size_t)other_len))
		return false;
	if (!put_name(b, signer->name))
		return false;
	ldns_buffer_write_u16(b, LDNS_RR_CLASS_ANY);
	ldns_buffer_write_u32(b, 0);
	if (!put_name(b, signer->algorithm))
		return false;
	ldns_buffer_write(b, time, 6);
	ldns_buffer_write_u16(b, fudge);
	ldns_buffer_write_u16(b, error);
	ldns_buffer_write_u16(b, other_len);
	if (other_len > 0)
		ldns_buffer_write(b, other, other_len);
	return ldns_buffer_status_ok(b);
}

static int hmac_mac(void *ctx, const uint8_t *data, size_t len, uint8_t *mac, size_t *mac_len)
{
	const struct ddns_tsig_key *key = ctx;
	const EVP_MD *md = digest_of(key->algorithm);
	unsigned int n = 0;
	if (md == NULL)
		return DDNS_EINVAL;
	if (HMAC(md, key->raw, (int)key->raw_len, data, len, mac, &n) == NULL)
		return DDNS_ENOMEM;
	*mac_len = n;
	return DDNS_OK;
}

static int hmac_check(void *ctx, const uint8_t *data, size_t len, const uint8_t *mac,
                      size_t mac_len)
{
	uint8_t expect[DDNS_TSIG_MAC_MAX];
	size_t expect_len = 0;
	int rc = hmac_mac(ctx, data, len, expect, &expect_len);
	if (rc != DDNS_OK)
		return rc;
	return mac_len == expect_len && CRYPTO_memcmp(mac, expect, expect_len) == 0 ? DDNS_OK
	                                                                            : DDNS_ETSIG;
}

struct ddns_tsig_signer ddns_tsig_hmac_signer(const struct ddns_tsig_key *key)
{
	return (struct ddns_tsig_signer){key->name, key->algorithm, false,
	                                 hmac_mac,  hmac_check,     (void *)key};
}

ldns_rr *ddns_meta_rr(ldns_rdf *owner, ldns_rr_type type, ldns_rdf **rdfs, size_t n)
{
	ldns_rr *rr = ldns_rr_new();
	bool ok = rr != NULL && owner != NULL;
	for (size_t i = 0; i < n; i++)
		ok = ok && rdfs[i] != NULL;
	if (!ok) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		for (size_t i = 0; i < n; i++)
			ldns_rdf_deep_free(rdfs[i]);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_ANY);
	ldns_rr_set_ttl(rr, 0);
	for (size_t i = 0; i < n; i++)
		ldns_rr_push_rdf(rr, rdfs[i]);
	return rr;
}

int ddns_tsig_sign(ldns_buffer *wire, const struct ddns_tsig_signer *signer, uint8_t *mac,
                   size_t *mac_len)
{
	size_t msg_len = ldns_buffer_position(wire);
	if (msg_len < LDNS_HEADER_SIZE)
		return DDNS_EINVAL;
	uint64_t now = (uint64_t)ddns_clock_wall_s();
	uint8_t when[6] = {(uint8_t)(now >> 40), (uint8_t)(now >> 32), (uint8_t)(now >> 24),
	                   (uint8_t)(now >> 16), (uint8_t)(now >> 8),  (uint8_t)now};
	/* The signed data is the message followed by the variables: laid out after the message,
	 * then overwritten by the record itself. */
	size_t len = 0;
	if (!put_variables(wire, signer, when, TSIG_FUDGE, 0, NULL, 0))
		return DDNS_ENOMEM;
	int rc = signer->mac(signer->ctx, ldns_buffer_begin(wire), ldns_buffer_position(wire), mac,
	                     &len);
	ldns_buffer_set_position(wire, msg_len);
	if (rc != DDNS_OK)
		return rc;
	*mac_len = len;

	/* The TSIG record (RFC 8945 section 4.2): owner, type, class ANY, TTL 0, then its rdata. */
	if (!ldns_buffer_reserve(wire, 2 * (LDNS_MAX_DOMAINLEN + 1) + 32 + len) ||
	    !put_name(wire, signer->name))
		return DDNS_ENOMEM;
	ldns_buffer_write_u16(wire, LDNS_RR_TYPE_TSIG);
	ldns_buffer_write_u16(wire, LDNS_RR_CLASS_ANY);
	ldns_buffer_write_u32(wire, 0);
	size_t rdlength_at = ldns_buffer_position(wire);
	ldns_buffer_write_u16(wire, 0);
	if (!put_name(wire, signer->algorithm))
		return DDNS_ENOMEM;
	ldns_buffer_write(wire, when, sizeof(when));
	ldns_buffer_write_u16(wire, TSIG_FUDGE);
	ldns_buffer_write_u16(wire, (uint16_t)len);
	ldns_buffer_write(wire, mac, len);
	ldns_buffer_write_u16(wire, ldns_buffer_read_u16_at(wire, 0)); /* original ID */
	ldns_buffer_write_u16(wire, 0);                                /* error */
	ldns_buffer_write_u16(wire, 0);                                /* other length */
	ldns_buffer_write_u16_at(wire, rdlength_at,
	                         (uint16_t)(ldns_buffer_position(wire) - rdlength_at - 2));
	ldns_buffer_write_u16_at(wire, 10, (uint16_t)(ldns_buffer_read_u16_at(wire, 10) + 1));
	return ldns_buffer_status_ok(wire) ? DDNS_OK : DDNS_ENOMEM;
}

static bool skip_name(const uint8_t *w, size_t len, size_t *pos)
{
	while (*pos < len) {
		uint8_t c = w[*pos];
		if (c == 0) {
			(*pos)++;
			return true;
		}
		if ((c & 0xC0) == 0xC0) {
			*pos += 2;
			return *pos <= len;
		}
		if ((c & 0xC0) != 0)
			return false;
		*pos += (size_t)c + 1;
	}
	return false;
}

/* Offset of the last record of the message, where a TSIG must be. */
static bool last_record(const uint8_t *w, size_t len, size_t *out)
{
	if (len < LDNS_HEADER_SIZE)
		return false;
	size_t qd = (size_t)w[4] << 8 | w[5];
	size_t rrs =
	    ((size_t)w[6] << 8 | w[7]) + ((size_t)w[8] << 8 | w[9]) + ((size_t)w[10] << 8 | w[11]);
	size_t pos = LDNS_HEADER_SIZE;
	if (rrs == 0)
		return false;
	for (size_t i = 0; i < qd; i++) {
		if (!skip_name(w, len, &pos))
			return false;
		pos += 4;
	}
	for (size_t i = 0; i + 1 < rrs; i++) {
		if (!skip_name(w, len, &pos) || pos + 10 > len)
			return false;
		pos += 10 + ((size_t)w[pos + 8] << 8 | w[pos + 9]);
	}
	*out = pos;
	return pos < len;
}

/* Whether the reply's MAC is the request's own: the request echoed back, not signed. */
static bool echoed(const ldns_rdf *mac, const uint8_t *req_mac, size_t req_mac_len)
{
	return req_mac != NULL && ldns_rdf_size(mac) == req_mac_len + 2 &&
	       memcmp(ldns_rdf_data(mac) + 2, req_mac, req_mac_len) == 0;
}

int ddns_tsig_verify(const uint8_t *wire, size_t len, const ldns_pkt *reply,
                     const struct ddns_tsig_signer *signer, const uint8_t *req_mac,
                     size_t req_mac_len, int *tsig_error, enum ddns_tsig_form *form)
{
	*tsig_error = 0;
	*form = DDNS_TSIG_FORM_NONE;
	const ldns_rr *t = ldns_pkt_tsig(reply);
	if (t == NULL || ldns_rr_rd_count(t) < 7)
		return DDNS_ETSIG;
	int error = ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
	if (error != 0) {
		*tsig_error = error;
		return DDNS_ETSIG;
	}
	ldns_rdf *name = ldns_dname_new_frm_str(signer->name);
	ldns_rdf *alg = ldns_dname_new_frm_str(signer->algorithm);
	bool ours = name != NULL && alg != NULL &&
	            ldns_dname_compare(ldns_rr_owner(t), name) == 0 &&
	            ldns_dname_compare(ldns_rr_rdf(t, 0), alg) == 0;
	ldns_rdf_deep_free(name);
	ldns_rdf_deep_free(alg);
	size_t at;
	const ldns_rdf *when = ldns_rr_rdf(t, 1), *mac = ldns_rr_rdf(t, 3),
	               *other = ldns_rr_rdf(t, 6);
	if (!ours || !last_record(wire, len, &at) || ldns_rdf_size(when) != 6 ||
	    ldns_rdf_size(mac) < 2 || ldns_rdf_size(other) < 2)
		return DDNS_ETSIG;
	if (echoed(mac, req_mac, req_mac_len)) {
		*form = DDNS_TSIG_FORM_ECHOED;
		return DDNS_ETSIG;
	}

	ldns_buffer *b = ldns_buffer_new(len + req_mac_len + 2 * LDNS_MAX_DOMAINLEN + 64);
	if (b == NULL)
		return DDNS_ENOMEM;
	if (req_mac != NULL) {
		ldns_buffer_write_u16(b, (uint16_t)req_mac_len);
		ldns_buffer_write(b, req_mac, req_mac_len);
	}
	size_t msg = ldns_buffer_position(b);
	ldns_buffer_write(b, wire, at);
	/* As the server signed it: its original ID, and without the TSIG in ARCOUNT. */
	uint8_t *m = ldns_buffer_at(b, msg);
	uint16_t orig_id = ldns_rdf2native_int16(ldns_rr_rdf(t, 4));
	uint16_t arcount = (uint16_t)((m[10] << 8 | m[11]) - 1);
	m[0] = (uint8_t)(orig_id >> 8);
	m[1] = (uint8_t)orig_id;
	m[10] = (uint8_t)(arcount >> 8);
	m[11] = (uint8_t)arcount;
	const uint8_t *o = ldns_rdf_data(other);
	uint16_t fudge = ldns_rdf2native_int16(ldns_rr_rdf(t, 2));
	int rc = DDNS_ENOMEM;
	if (put_variables(b, signer, ldns_rdf_data(when), fudge, 0, o + 2,
	                  (uint16_t)(ldns_rdf_size(other) - 2))) {
		const uint8_t *mac_data = ldns_rdf_data(mac) + 2;
		size_t mac_len = ldns_rdf_size(mac) - 2;
		rc = signer->check(signer->ctx, ldns_buffer_begin(b), ldns_buffer_position(b),
		                   mac_data, mac_len);
		*form = DDNS_TSIG_FORM_RFC8945;
		/* Samba leaves the request MAC's length out of what it signs. */
		if (rc == DDNS_ETSIG && req_mac != NULL) {
			rc = signer->check(signer->ctx, ldns_buffer_at(b, 2),
			                   ldns_buffer_position(b) - 2, mac_data, mac_len);
			*form = DDNS_TSIG_FORM_BARE_MAC;
		}
	}
	ldns_buffer_free(b);
	if (rc != DDNS_OK) {
		*form = DDNS_TSIG_FORM_NONE;
		return rc;
	}
	const uint8_t *w = ldns_rdf_data(when);
	int64_t signed_at =
	    (int64_t)((uint64_t)w[0] << 40 | (uint64_t)w[1] << 32 | (uint64_t)w[2] << 24 |
	              (uint64_t)w[3] << 16 | (uint64_t)w[4] << 8 | w[5]);
	int64_t skew = ddns_clock_wall_s() - signed_at;
	if (skew > fudge || -skew > fudge) {
		*tsig_error = DDNS_TSIG_BADTIME;
		return DDNS_ETSIG;
	}
	return DDNS_OK;
}
