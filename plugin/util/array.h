/* SPDX-License-Identifier: MPL-2.0 */
/* Growing an array one item at a time, with its size doubling. */
#ifndef DDNS_UTIL_ARRAY_H
#define DDNS_UTIL_ARRAY_H

#include <stddef.h>

/*
 * Makes room for one more item of item_size bytes in *items (n used, *cap allocated; NULL and 0
 * at first: first items are allocated then). Returns DDNS_OK, or DDNS_ENOMEM with *items as it
 * was. Thread: the array's owner.
 */
int ddns_array_reserve(void **items, size_t *cap, size_t n, size_t item_size, size_t first);

#endif
