/* SPDX-License-Identifier: MPL-2.0 */
/* The DHCID examples of RFC 4701 section 3.6, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "ddns/error.h"
#include "update/dhcid.h"

static void expect(enum ddns_id_type type, const uint8_t *id, size_t len, const char *fqdn,
                   const char *want_b64)
{
	uint8_t out[DDNS_DHCID_LEN];
	assert_int_equal(ddns_dhcid_compute(type, id, len, fqdn, out), 0);
	ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, sizeof(out), out);
	char *b64 = ldns_rdf2str(rdf);
	assert_string_equal(b64, want_b64);
	free(b64);
	ldns_rdf_deep_free(rdf);
}

/* 3.6.1: a DHCPv6 client's DUID. */
static void duid_example(void **state)
{
	(void)state;
	static const uint8_t duid[] = {0x00, 0x01, 0x00, 0x06, 0x41, 0x2d, 0xf1,
	                               0x66, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
	expect(DDNS_ID_DUID, duid, sizeof(duid), "chi6.example.com.",
	       "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=");
}

/* 3.6.2: a DHCPv4 client identifier option. */
static void client_id_example(void **state)
{
	(void)state;
	static const uint8_t cid[] = {0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
	expect(DDNS_ID_CLIENT_ID, cid, sizeof(cid), "chi.example.com.",
	       "AAEBOSD+XR3Os/0LozeXVqcNc7FwCfQdWL3b/NaiUDlW2No=");
}

/* 3.6.3: htype 1 (Ethernet) and chaddr 01:02:03:04:05:06, no client identifier. */
static void hwaddr_example(void **state)
{
	(void)state;
	static const uint8_t hw[] = {0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
	expect(DDNS_ID_HWADDR, hw, sizeof(hw), "client.example.com.",
	       "AAABxLmlskllE0MVjd57zHcWmEH3pCQ6VytcKD//7es/deY=");
}

static void case_does_not_matter_and_identity_does(void **state)
{
	(void)state;
	static const uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 4};
	uint8_t x[DDNS_DHCID_LEN], y[DDNS_DHCID_LEN], z[DDNS_DHCID_LEN];
	assert_int_equal(ddns_dhcid_compute(DDNS_ID_CLIENT_ID, a, 3, "Host.Example.", x), 0);
	assert_int_equal(ddns_dhcid_compute(DDNS_ID_CLIENT_ID, a, 3, "host.example.", y), 0);
	assert_int_equal(ddns_dhcid_compute(DDNS_ID_CLIENT_ID, b, 3, "host.example.", z), 0);
	assert_memory_equal(x, y, sizeof(x));
	assert_memory_not_equal(y, z, sizeof(y));
	assert_int_equal(ddns_dhcid_compute(DDNS_ID_NONE, a, 3, "host.example.", z), DDNS_EINVAL);
	assert_int_equal(ddns_dhcid_compute(DDNS_ID_DUID, a, 0, "host.example.", z), DDNS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(duid_example),
	    cmocka_unit_test(client_id_example),
	    cmocka_unit_test(hwaddr_example),
	    cmocka_unit_test(case_does_not_matter_and_identity_does),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
