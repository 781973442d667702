/* SPDX-License-Identifier: MPL-2.0 */
/*
 * libFuzzer: hostile DNS replies. The fuzzed bytes answer every query (with the query's ID, so the
 * parser goes past the first check): an UPDATE, signed or not, and every lookup of discovery.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ddns/error.h"
#include "discovery/discover.h"
#include "transport/exchange.h"
#include "update/update.h"
#include "util/log.h"

static const uint8_t *fuzz_data;
static size_t fuzz_size;

static int replay(void *ctx, const struct ddns_addr *server, bool tcp, const uint8_t *query,
                  size_t qlen, uint8_t *reply, size_t *reply_len, int timeout_ms)
{
	(void)ctx, (void)server, (void)tcp, (void)qlen, (void)timeout_ms;
	if (fuzz_size < 2)
		return DDNS_ETIMEOUT;
	size_t n = fuzz_size > DDNS_MSG_MAX ? DDNS_MSG_MAX : fuzz_size;
	memcpy(reply, fuzz_data, n);
	memcpy(reply, query, 2);
	*reply_len = n;
	return DDNS_OK;
}

static void quiet(void *ctx, enum ddns_log_level level, const char *id, const char *line)
{
	(void)ctx, (void)level, (void)id, (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ddns_config *cfg;
	static const struct ddns_transport transport = {replay, NULL};
	if (cfg == NULL) {
		char err[256];
		ddns_log_set_sink(quiet, NULL);
		ddns_config_parse("{ \"resolvers\": [\"127.0.0.1\"], \"tsig-keys\": [ { \"name\": "
		                  "\"k\", \"algorithm\": \"hmac-sha256\", \"secret\": "
		                  "\"c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cy0wMTIzNDU2Nzg5\" } ] }",
		                  "/nonexistent", &cfg, err, sizeof(err));
	}
	fuzz_data = data;
	fuzz_size = size;

	struct ddns_change change = {.op = DDNS_CHANGE_ADD,
	                             .type = LDNS_RR_TYPE_A,
	                             .owner = "a.b.example.",
	                             .rdata = "10.0.0.1",
	                             .ttl = 60,
	                             .mode = DDNS_CHECK_WITH_DHCID};
	ldns_buffer *query = ddns_update_build("b.example.", &change);
	ldns_pkt *reply = NULL;
	struct ddns_exchange_info info;
	struct ddns_tsig_signer signer = ddns_tsig_hmac_signer(&cfg->keys[0]);
	ddns_exchange_wire(&transport, &cfg->resolvers[0], query,
	                   size > 0 && (data[size - 1] & 1) ? &signer : NULL, 10, &reply, &info);
	ldns_pkt_free(reply);
	ldns_buffer_free(query);

	struct ddns_resolvers r = {cfg->resolvers, 1, &transport, 10, 0};
	struct ddns_zone_info zone;
	if (ddns_discover_zone(&r, "a.b.example.", &zone) == DDNS_OK) {
		struct ddns_target targets[DDNS_TARGETS_MAX];
		size_t n;
		uint32_t ttl = UINT32_MAX;
		ddns_discover_targets(&r, &zone, targets, &n, &ttl);
	}
	char alias[DDNS_NAME_MAX];
	ddns_discover_alias(&r, "5.0.1.10.in-addr.arpa.", alias);
	return 0;
}
