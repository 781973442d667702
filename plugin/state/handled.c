/* SPDX-License-Identifier: MPL-2.0 */
/* Handled sequence numbers; see handled.h. */
#include <stdlib.h>
#include <string.h>

#include "state/handled.h"

void ddns_handled_init(struct ddns_handled *h, uint64_t first)
{
	memset(h, 0, sizeof(*h));
	h->below = first;
}

void ddns_handled_deinit(struct ddns_handled *h)
{
	free(h->ranges);
	h->ranges = NULL;
	h->n = h->cap = 0;
}

/* The index of the first range that ends at or after seq - 1 (where seq may join or go). */
static size_t find(const struct ddns_handled *h, uint64_t seq)
{
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->ranges[mid].last + 1 < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Lowers the mark over the ranges that now touch it. */
static void absorb(struct ddns_handled *h)
{
	size_t k = 0;
	while (k < h->n && h->ranges[k].first <= h->below) {
		if (h->ranges[k].last >= h->below)
			h->below = h->ranges[k].last + 1;
		k++;
	}
	if (k > 0) {
		memmove(h->ranges, h->ranges + k, (h->n - k) * sizeof(*h->ranges));
		h->n -= k;
	}
}

bool ddns_handled_add_range(struct ddns_handled *h, uint64_t first, uint64_t last)
{
	if (last < h->below)
		return true;
	if (first < h->below)
		first = h->below;
	size_t i = find(h, first);
	/* Every range from i that overlaps or touches first..last merges into one. */
	size_t j = i;
	while (j < h->n && h->ranges[j].first <= last + 1) {
		if (h->ranges[j].first < first)
			first = h->ranges[j].first;
		if (h->ranges[j].last > last)
			last = h->ranges[j].last;
		j++;
	}
	if (j == i) {
		if (h->n == h->cap) {
			size_t cap = h->cap ? h->cap * 2 : 16;
			void *p = realloc(h->ranges, cap * sizeof(*h->ranges));
			if (p == NULL)
				return false;
			h->ranges = p;
			h->cap = cap;
		}
		memmove(h->ranges + i + 1, h->ranges + i, (h->n - i) * sizeof(*h->ranges));
		h->n++;
	} else if (j > i + 1) {
		memmove(h->ranges + i + 1, h->ranges + j, (h->n - j) * sizeof(*h->ranges));
		h->n -= j - i - 1;
	}
	h->ranges[i] = (struct ddns_seq_range){first, last};
	absorb(h);
	return true;
}

bool ddns_handled_add(struct ddns_handled *h, uint64_t seq)
{
	if (seq == h->below && (h->n == 0 || h->ranges[0].first > seq + 1)) {
		h->below++; /* the common case: in order */
		return true;
	}
	return ddns_handled_add_range(h, seq, seq);
}

bool ddns_handled_has(const struct ddns_handled *h, uint64_t seq)
{
	if (seq < h->below)
		return true;
	size_t i = find(h, seq + 1);
	return i < h->n && h->ranges[i].first <= seq && seq <= h->ranges[i].last;
}
