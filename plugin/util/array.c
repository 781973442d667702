/* SPDX-License-Identifier: MPL-2.0 */
#include <stdlib.h>

#include "ddns/error.h"
#include "util/array.h"

int ddns_array_reserve(void **items, size_t *cap, size_t n, size_t item_size, size_t first)
{
	if (n < *cap)
		return DDNS_OK;
	size_t grown_cap = *cap > 0 ? 2 * *cap : first;
	void *grown = realloc(*items, grown_cap * item_size);
	if (grown == NULL)
		return DDNS_ENOMEM;
	*items = grown;
	*cap = grown_cap;
	return DDNS_OK;
}
