/* SPDX-License-Identifier: MPL-2.0 */
/*
 * Domain names as text, the way the engine keeps them: absolute (trailing dot), lower case, checked
 * label by label. Every name from a client, a lease or the configuration passes through here before
 * it reaches a DNS message, so the policy lives in one place.
 */
#ifndef DDNS_UTIL_NAME_H
#define DDNS_UTIL_NAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Longest presentation form we keep: 255 octets on the wire is at most 253 characters + root dot.
 */
#define DDNS_NAME_MAX 256

enum name_policy {
	NAME_HOST,    /* letters, digits, hyphen; no leading or trailing hyphen (RFC 952/1123) */
	NAME_SERVICE, /* as NAME_HOST, and underscores and slashes (names from the configuration
	               * and from DNS: zone, key and server names, RFC 2317 "64/26" labels) */
};

/*
 * Checks and normalises a name into out (DDNS_NAME_MAX bytes): lower case, trailing dot added.
 * "." is accepted only when allow_root is true. Returns DDNS_OK, or DDNS_EBADNAME with a reason in
 * *why (static string): empty label, label over 63 octets, name over 255 octets, forbidden
 * character.
 */
int ddns_name_normalize(const char *in, enum name_policy policy, bool allow_root, char *out,
                        const char **why);

/* True when name equals zone or lies below it; both normalised. */
bool ddns_name_in_zone(const char *name, const char *zone);

/* Number of labels of a normalised name ("." has 0). */
size_t ddns_name_labels(const char *name);

/* Longest wire form of a name (RFC 1035 section 2.3.4). */
#define DDNS_NAME_WIRE_MAX 255

/*
 * The wire form of a name in presentation form without escapes (a normalised name, or one that
 * only differs from it in case), lower-cased as DNSSEC's canonical form and RFC 4701 want it:
 * writes it to out and returns its length, or 0 when the name has an empty or overlong label or
 * is too long. A missing trailing dot is taken as present. Thread: any.
 */
size_t ddns_name_wire(const char *name, uint8_t out[DDNS_NAME_WIRE_MAX]);

/* Copies a name or other short text into out (DDNS_NAME_MAX bytes), cut to fit. Thread: any. */
void ddns_name_copy(char *out, const char *in);

/* A 64-bit hash of a name (FNV-1a), never 0: the engine compares owner names and zone keys by it.
 * Thread: any. */
uint64_t ddns_name_hash(const char *name);

#endif
