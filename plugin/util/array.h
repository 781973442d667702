/* SPDX-License-Identifier: MPL-2.0 */
/* Growing an array one item at a time, its allocation doubling. */
#ifndef DDNS_UTIL_ARRAY_H
#define DDNS_UTIL_ARRAY_H

#include <stddef.h>

/*
 * Appends a zeroed item of item_size bytes to *items (*n used, *cap allocated; NULL, 0 and 0 at
 * first, when room for first items is made) and returns it; NULL when out of memory, with the
 * array as it was. Thread: the array's owner.
 */
void *ddns_array_push(void **items, size_t *n, size_t *cap, size_t item_size, size_t first);

#endif
