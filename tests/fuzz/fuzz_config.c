/* SPDX-License-Identifier: MPL-2.0 */
/* libFuzzer: the plugin's parameters, as Kea hands them over. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "ddns/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[512];
	struct ddns_config *cfg = NULL;
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ddns_config_parse(text, "/nonexistent", &cfg, err, sizeof(err)) == DDNS_OK) {
		ddns_config_client_ttl(cfg, NULL, 3600);
		ddns_config_zone_for(cfg, "a.b.example.");
		ddns_config_free(cfg);
	}
	free(text);
	return 0;
}
