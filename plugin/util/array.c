/* SPDX-License-Identifier: MPL-2.0 */
#include <stdlib.h>
#include <string.h>

#include "util/array.h"

void *ddns_array_push(void **items, size_t *n, size_t *cap, size_t item_size, size_t first)
{
	if (*n == *cap) {
		size_t grown_cap = *cap > 0 ? 2 * *cap : first;
		void *grown = realloc(*items, grown_cap * item_size);
		if (grown == NULL)
			return NULL;
		*items = grown;
		*cap = grown_cap;
	}
	void *item = (char *)*items + (*n)++ * item_size;
	memset(item, 0, item_size);
	return item;
}
