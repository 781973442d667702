/* SPDX-License-Identifier: MPL-2.0 */
/*
 * An append-only file of typed, checksummed records: the plugin's memory across crashes and
 * restarts. A record is written with one write() call (or copied into the mapped file), so a
 * killed process leaves all of it or, at worst, a torn tail that the reader detects by length and
 * CRC. Records
 * may also be staged in memory and written together later, one write() for many: a busy writer
 * then makes one system call per round instead of several per record.
 *
 *   record = type (1, never 0) | reserved (1) | length (2, big endian) | crc32 of payload (4) |
 *            payload
 */
#ifndef DDNS_JOURNAL_H
#define DDNS_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DDNS_JOURNAL_PAYLOAD_MAX 4096

struct ddns_journal {
	int fd;            /* open for appending; -1 when closed */
	char path[512];    /* the file */
	uint64_t bytes;    /* where the records end: the size of the file unless it is mapped */
	uint8_t *staged;   /* records staged and not yet written; NULL until the first is */
	size_t staged_len; /* bytes used in staged */
	uint8_t *map;      /* the file mapped shared (ddns_journal_open_mapped), or NULL */
	uint64_t map_len;  /* bytes mapped; the file is at least that long, zeros past bytes */
	uint64_t ready;    /* the mapped pages below this offset are writable in memory */
};

/* Opens (creating, mode 0600) path for appending. Returns DDNS_OK or an errno code. */
int ddns_journal_open(struct ddns_journal *j, const char *path);

/*
 * Creates path anew (mode 0600), map_len bytes of zeros (a sparse file), and maps it shared, so
 * that an append to pages made ready (ddns_journal_prepare) is a copy into memory, with no
 * system call: the page cache holds it as it would hold a write(), so a killed process loses
 * nothing. Appends past the ready pages, or all of them where the file cannot be mapped, are
 * written as usual (where a full disk is an error, not a signal). Readers stop at the zeros.
 * Returns DDNS_OK or an errno code (nothing is open then).
 */
int ddns_journal_open_mapped(struct ddns_journal *j, const char *path, uint64_t map_len);

/*
 * Maps again a file ddns_journal_open_mapped made, whose intact records end at bytes (as a reader
 * found), for appends after them: a process killed before closing it leaves its file as long as
 * its mapping, and the pages it made ready have their blocks, which a full disk then still takes.
 * Returns DDNS_OK, -ENOSPC when the file has no room past bytes (it was closed), or an errno code
 * (nothing is open then).
 */
int ddns_journal_reopen_mapped(struct ddns_journal *j, const char *path, uint64_t bytes);

/*
 * Makes up to ahead bytes of the mapped file from offset from on writable in memory, so that the
 * appends there copy without a fault; returns the new ready offset for the appender to take
 * (unchanged when none could be: the disk may be full, and appends then go by write()). Touches
 * no journal field, so that it can run outside the lock under which appends run.
 */
uint64_t ddns_journal_prepare(const struct ddns_journal *j, uint64_t from, uint64_t ahead);

/* Closes the file, dropping what is staged (flush first), cutting a mapped file back to its
 * records; a closed journal may be closed again. */
void ddns_journal_close(struct ddns_journal *j);

/*
 * Appends records in one write, after any staged ones (written first): count (type, payload,
 * length) triples in types/payloads/lengths.
 * Returns DDNS_OK, DDNS_EINVAL for an oversized payload, or the errno code of a failed or short
 * write (the file is then cut back to its previous size so that no torn record stays). Not
 * thread-safe: callers serialise.
 */
int ddns_journal_append(struct ddns_journal *j, size_t count, const uint8_t *types,
                        const void *const *payloads, const size_t *lengths);

/*
 * Stages records as ddns_journal_append would write them, in memory, behind any staged before; they
 * reach the file at the next ddns_journal_flush (or append), in order. When the staging area
 * (DDNS_JOURNAL_STAGE_MAX bytes) has no room, what it holds is written first. Returns DDNS_OK,
 * DDNS_EINVAL for an oversized payload, DDNS_ENOMEM, or the error of that write (the records
 * staged before are then dropped, these are staged). Not thread-safe: callers serialise.
 */
#define DDNS_JOURNAL_STAGE_MAX (64 * 1024)
int ddns_journal_stage(struct ddns_journal *j, size_t count, const uint8_t *types,
                       const void *const *payloads, const size_t *lengths);

/*
 * Writes the staged records in one write. Returns DDNS_OK (also when none were staged) or the
 * errno code of a failed or short write: the file is cut back as for append and the staged records
 * are dropped.
 */
int ddns_journal_flush(struct ddns_journal *j);

/* Forces what was written to stable storage (staged records are not: flush them first). Returns
 * DDNS_OK or an errno code. */
int ddns_journal_sync(struct ddns_journal *j);

/*
 * Calls fn(ctx, type, payload, length) for every intact record of the file at path, in order.
 * Stops at the first record that is cut short or whose checksum fails: that and everything after
 * it is reported through *damaged (the count of bytes not read), since a length that cannot be
 * trusted leaves no way to find the next record. Zeros from a record's start to the end of the
 * file are the unused part of a mapped file, not damage. A missing file is an empty journal.
 * Returns DDNS_OK or the errno code of a read failure.
 */
typedef void (*ddns_journal_fn)(void *ctx, uint8_t type, const uint8_t *payload, size_t length);
int ddns_journal_read(const char *path, ddns_journal_fn fn, void *ctx, uint64_t *damaged);

/* Which records ddns_journal_scan reads: from byte offset from (a record's start), at most max of
 * them (0: no limit), none that ends past byte offset to (0: the end of the file). */
struct ddns_journal_range {
	uint64_t from;
	uint64_t to;
	size_t max;
};

/*
 * As ddns_journal_read, over range only; *next is the offset just past the last record read. A
 * record that a writer is still appending lies past to when to is the size the writer reported.
 * Damage is counted only when range is the whole file (*damaged is 0 otherwise).
 */
int ddns_journal_scan(const char *path, const struct ddns_journal_range *range, ddns_journal_fn fn,
                      void *ctx, uint64_t *next, uint64_t *damaged);

/* CRC-32 (IEEE 802.3), exposed for tests. */
uint32_t ddns_crc32(const uint8_t *data, size_t len);

#endif
