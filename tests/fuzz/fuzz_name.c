/* SPDX-License-Identifier: MPL-2.0 */
/* libFuzzer: host names and addresses from clients and configuration. */
#include <stdint.h>
#include <string.h>

#include "util/addr.h"
#include "util/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[1024], out[DDNS_NAME_MAX];
	const char *why;
	struct ddns_addr addr;
	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (ddns_name_normalize(in, NAME_HOST, false, out, &why) == 0) {
		/* What passes must be a valid presentation name: labels and a final dot. */
		size_t len = strlen(out);
		if (len == 0 || len > 254 || out[len - 1] != '.')
			__builtin_trap();
		ddns_name_in_zone(out, "example.");
		ddns_name_labels(out);
	}
	ddns_name_normalize(in, NAME_SERVICE, true, out, &why);
	ddns_addr_parse(in, 53, &addr);
	return 0;
}
