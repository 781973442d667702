/* SPDX-License-Identifier: MPL-2.0 */
/* Chained hash table keyed by address, its entries as small as their name; see published.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ddns/error.h"
#include "engine/published.h"
#include "util/name.h"

/* An entry holds its name at its length (struct ddns_published keeps room for the longest): a
 * million addresses take about 110 MB, not 360. */
struct entry {
	struct entry *next;
	int64_t since_ms;
	uint8_t key[17]; /* family tag, then the address padded with zeros */
	bool forward, reverse;
	uint8_t mode;
	uint8_t dhcid[DDNS_DHCID_LEN];
	char fqdn[]; /* NUL-terminated */
};

struct ddns_published_map {
	struct entry **buckets;
	size_t n_buckets; /* power of two */
	size_t count;
	pthread_mutex_t lock;          /* held by writers, and by foreach for readers on other
	                                  threads */
	struct ddns_published scratch; /* what get returns */
};

/* The entry's value, whole. */
static void unpack(const struct entry *e, struct ddns_published *out)
{
	ddns_name_copy(out->fqdn, e->fqdn);
	out->forward = e->forward;
	out->reverse = e->reverse;
	out->mode = (enum ddns_conflict_mode)e->mode;
	memcpy(out->dhcid, e->dhcid, sizeof(out->dhcid));
	out->since_ms = e->since_ms;
}

/* A new entry holding value under key, or NULL when out of memory. */
static struct entry *pack(const uint8_t key[17], const struct ddns_published *value)
{
	size_t len = strnlen(value->fqdn, sizeof(value->fqdn) - 1);
	struct entry *e = malloc(sizeof(*e) + len + 1);
	if (e == NULL)
		return NULL;
	e->next = NULL;
	memcpy(e->key, key, sizeof(e->key));
	e->since_ms = value->since_ms;
	e->forward = value->forward;
	e->reverse = value->reverse;
	e->mode = (uint8_t)value->mode;
	memcpy(e->dhcid, value->dhcid, sizeof(e->dhcid));
	memcpy(e->fqdn, value->fqdn, len);
	e->fqdn[len] = '\0';
	return e;
}

static void make_key(int family, const uint8_t *address, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = family == AF_INET ? 4 : 6;
	memcpy(key + 1, address, family == AF_INET ? 4 : 16);
}

static size_t hash(const uint8_t key[17])
{
	/* FNV-1a: addresses from one pool differ in few bytes, and FNV spreads those well. */
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < 17; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

struct ddns_published_map *ddns_published_new(void)
{
	struct ddns_published_map *map = calloc(1, sizeof(*map));
	if (map == NULL)
		return NULL;
	map->n_buckets = 1024;
	map->buckets = calloc(map->n_buckets, sizeof(*map->buckets));
	if (map->buckets == NULL) {
		free(map);
		return NULL;
	}
	pthread_mutex_init(&map->lock, NULL);
	return map;
}

void ddns_published_free(struct ddns_published_map *map)
{
	if (map == NULL)
		return;
	for (size_t i = 0; i < map->n_buckets; i++) {
		struct entry *e = map->buckets[i];
		while (e != NULL) {
			struct entry *next = e->next;
			free(e);
			e = next;
		}
	}
	free(map->buckets);
	pthread_mutex_destroy(&map->lock);
	free(map);
}

static struct entry **find(const struct ddns_published_map *map, const uint8_t key[17])
{
	struct entry **slot = &map->buckets[hash(key) & (map->n_buckets - 1)];
	while (*slot != NULL && memcmp((*slot)->key, key, 17) != 0)
		slot = &(*slot)->next;
	return slot;
}

const struct ddns_published *ddns_published_get(struct ddns_published_map *map, int family,
                                                const uint8_t *address)
{
	uint8_t key[17];
	make_key(family, address, key);
	struct entry *e = *find(map, key);
	if (e == NULL)
		return NULL;
	unpack(e, &map->scratch);
	return &map->scratch;
}

static void grow(struct ddns_published_map *map)
{
	size_t n = map->n_buckets * 2;
	struct entry **buckets = calloc(n, sizeof(*buckets));
	if (buckets == NULL)
		return; /* keep the longer chains; still correct */
	for (size_t i = 0; i < map->n_buckets; i++) {
		struct entry *e = map->buckets[i];
		while (e != NULL) {
			struct entry *next = e->next;
			size_t b = hash(e->key) & (n - 1);
			e->next = buckets[b];
			buckets[b] = e;
			e = next;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->n_buckets = n;
}

int ddns_published_set(struct ddns_published_map *map, int family, const uint8_t *address,
                       const struct ddns_published *value)
{
	uint8_t key[17];
	make_key(family, address, key);
	/* Built outside the lock; an entry replaced is freed after it. */
	struct entry *e = pack(key, value), *old = NULL;
	if (e == NULL)
		return DDNS_ENOMEM;
	pthread_mutex_lock(&map->lock);
	struct entry **slot = find(map, key);
	if (*slot != NULL) {
		old = *slot;
		e->next = old->next;
		*slot = e;
	} else {
		*slot = e;
		if (++map->count > map->n_buckets)
			grow(map);
	}
	pthread_mutex_unlock(&map->lock);
	free(old);
	return DDNS_OK;
}

void ddns_published_remove(struct ddns_published_map *map, int family, const uint8_t *address)
{
	uint8_t key[17];
	make_key(family, address, key);
	pthread_mutex_lock(&map->lock);
	struct entry **slot = find(map, key);
	struct entry *e = *slot;
	if (e != NULL) {
		*slot = e->next;
		map->count--;
	}
	pthread_mutex_unlock(&map->lock);
	free(e);
}

void ddns_published_foreach(struct ddns_published_map *map, ddns_published_fn fn, void *ctx)
{
	struct ddns_published value;
	pthread_mutex_lock(&map->lock);
	for (size_t i = 0; i < map->n_buckets; i++) {
		for (const struct entry *e = map->buckets[i]; e != NULL; e = e->next) {
			unpack(e, &value);
			fn(ctx, e->key[0] == 4 ? AF_INET : AF_INET6, e->key + 1, &value);
		}
	}
	pthread_mutex_unlock(&map->lock);
}

size_t ddns_published_count(const struct ddns_published_map *map)
{
	return map->count;
}
