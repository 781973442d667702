/* SPDX-License-Identifier: MPL-2.0 */
/* Record files; see journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "ddns/error.h"
#include "state/journal.h"

#define HEADER 8

/* Linux 5.14; older kernels refuse it, and appends then all go by write(). */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* zlib's CRC-32 is the same function as a byte-wise table, several times faster: the worker
 * checksums about 4 KB of records per lease. */
uint32_t ddns_crc32(const uint8_t *data, size_t len)
{
	return (uint32_t)crc32_z(0, data, len);
}

/* Opens path with flags into j, every other field empty. DDNS_OK or an errno code. */
static int open_file(struct ddns_journal *j, const char *path, int flags)
{
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->staged = NULL;
	j->staged_len = 0;
	j->map = NULL;
	j->bytes = j->map_len = j->ready = 0;
	j->fd = open(path, flags | O_CLOEXEC, 0600);
	return j->fd >= 0 ? DDNS_OK : -errno;
}

int ddns_journal_open(struct ddns_journal *j, const char *path)
{
	int rc = open_file(j, path, O_WRONLY | O_CREAT | O_APPEND);
	if (rc != DDNS_OK)
		return rc;
	struct stat st;
	j->bytes = fstat(j->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return DDNS_OK;
}

int ddns_journal_open_mapped(struct ddns_journal *j, const char *path, uint64_t map_len)
{
	int rc = open_file(j, path, O_RDWR | O_CREAT | O_TRUNC);
	if (rc != DDNS_OK)
		return rc;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	map_len = (map_len + page - 1) / page * page;
	if (ftruncate(j->fd, (off_t)map_len) != 0)
		return DDNS_OK; /* written as any other: the file's offset follows the records */
	void *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0);
	if (map == MAP_FAILED) {
		if (ftruncate(j->fd, 0) != 0)
			return -errno;
		return DDNS_OK;
	}
	j->map = map;
	j->map_len = map_len;
	return DDNS_OK;
}

int ddns_journal_reopen_mapped(struct ddns_journal *j, const char *path, uint64_t bytes)
{
	int rc = open_file(j, path, O_RDWR);
	if (rc != DDNS_OK)
		return rc;
	struct stat st;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	rc = fstat(j->fd, &st) == 0 ? DDNS_OK : -errno;
	uint64_t size = rc == DDNS_OK ? (uint64_t)st.st_size / page * page : 0;
	if (rc == DDNS_OK && size <= bytes)
		rc = -ENOSPC;
	void *map = rc == DDNS_OK ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, j->fd, 0)
	                          : MAP_FAILED;
	if (rc == DDNS_OK && map == MAP_FAILED)
		rc = -errno;
	if (rc != DDNS_OK) {
		close(j->fd);
		j->fd = -1;
		return rc;
	}
	j->map = map;
	j->map_len = size;
	j->bytes = bytes;
	return DDNS_OK;
}

uint64_t ddns_journal_prepare(const struct ddns_journal *j, uint64_t from, uint64_t ahead)
{
	if (j->map == NULL || from >= j->map_len)
		return from;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = from / page * page;
	uint64_t end = from + ahead < j->map_len ? from + ahead : j->map_len;
	/* On a full disk only pages whose blocks exist can be made ready (those a killed run
	 * readied): fewer are tried until they are. */
	while (madvise(j->map + start, end - start, MADV_POPULATE_WRITE) != 0) {
		uint64_t half = (end - start) / 2 / page * page;
		if (half == 0 || end <= from)
			return from;
		end = start + half;
	}
	return end > from ? end : from;
}

void ddns_journal_close(struct ddns_journal *j)
{
	if (j->map != NULL) {
		munmap(j->map, j->map_len);
		/* The zeros past the records go; a kill before this leaves them to the reader. */
		if (j->bytes < j->map_len && ftruncate(j->fd, (off_t)j->bytes) != 0)
			j->bytes = j->map_len; /* nothing to do about it: readers skip zeros */
		j->map = NULL;
		j->map_len = j->ready = 0;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	free(j->staged);
	j->staged = NULL;
	j->staged_len = 0;
}

/* The header of a record with this type and payload. */
static void put_header(uint8_t *h, uint8_t type, const void *payload, size_t len)
{
	uint32_t crc = ddns_crc32(payload, len);
	h[0] = type;
	h[1] = 0;
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	h[4] = (uint8_t)(crc >> 24);
	h[5] = (uint8_t)(crc >> 16);
	h[6] = (uint8_t)(crc >> 8);
	h[7] = (uint8_t)crc;
}

static int check_sizes(size_t count, const size_t *lengths, size_t max_count)
{
	if (count > max_count)
		return DDNS_EINVAL;
	for (size_t i = 0; i < count; i++)
		if (lengths[i] > DDNS_JOURNAL_PAYLOAD_MAX)
			return DDNS_EINVAL;
	return DDNS_OK;
}

/* Writes len zero bytes at offset at (blocks just written, so they have room). */
static int zero_range(int fd, uint64_t at, size_t len)
{
	static const uint8_t zeros[4096];
	while (len > 0) {
		size_t part = len < sizeof(zeros) ? len : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, part, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return DDNS_EIO;
		at += (uint64_t)w;
		len -= (size_t)w;
	}
	return DDNS_OK;
}

/*
 * Writes iov (total bytes; iov is consumed) with one writev, or more when the kernel takes only
 * part (a signal, a disk filling up: the next call then says why). The staged records, which lead
 * it, are gone after.
 */
static int write_records(struct ddns_journal *j, struct iovec *iov, int n, size_t total)
{
	size_t done = 0;
	int err = DDNS_OK;
	while (done < total && err == DDNS_OK) {
		/* A mapped file is longer than its records: they go at their end, not the file's.
		 */
		ssize_t w = j->map_len > 0 ? pwritev(j->fd, iov, n, (off_t)(j->bytes + done))
		                           : writev(j->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : DDNS_EIO;
			break;
		}
		done += (size_t)w;
		for (size_t left = (size_t)w; n > 0 && left > 0;) {
			size_t part = left < iov->iov_len ? left : iov->iov_len;
			iov->iov_base = (char *)iov->iov_base + part;
			iov->iov_len -= part;
			left -= part;
			if (iov->iov_len == 0)
				iov++, n--;
		}
	}
	j->staged_len = 0;
	if (err == DDNS_OK) {
		j->bytes += total;
		return DDNS_OK;
	}
	/* What was written of it would leave a torn record in front of the next one: cut back,
	 * or in a mapped file (which must stay as long as its mapping) zeroed, the end as readers
	 * know it. */
	if (done > 0 && j->map_len > 0)
		return zero_range(j->fd, j->bytes, done) == DDNS_OK ? err : DDNS_EIO;
	if (done > 0 && ftruncate(j->fd, (off_t)j->bytes) != 0)
		return -errno;
	return err;
}

enum { MAX_RECORDS = 32 };

/* The bytes count records take framed. */
static size_t records_size(size_t count, const size_t *lengths)
{
	size_t size = 0;
	for (size_t i = 0; i < count; i++)
		size += HEADER + lengths[i];
	return size;
}

/* Frames count records into memory at at, which has records_size() bytes. */
static void put_records(uint8_t *at, size_t count, const uint8_t *types,
                        const void *const *payloads, const size_t *lengths)
{
	for (size_t i = 0; i < count; i++) {
		put_header(at, types[i], payloads[i], lengths[i]);
		memcpy(at + HEADER, payloads[i], lengths[i]);
		at += HEADER + lengths[i];
	}
}

int ddns_journal_append(struct ddns_journal *j, size_t count, const uint8_t *types,
                        const void *const *payloads, const size_t *lengths)
{
	uint8_t headers[MAX_RECORDS][HEADER];
	struct iovec iov[1 + 2 * MAX_RECORDS];
	int rc = check_sizes(count, lengths, MAX_RECORDS);
	if (rc != DDNS_OK)
		return rc;
	size_t need = records_size(count, lengths);
	if (j->map != NULL && j->staged_len == 0 && j->bytes + need <= j->ready) {
		put_records(j->map + j->bytes, count, types, payloads, lengths);
		j->bytes += need;
		return DDNS_OK;
	}
	int n = 0;
	if (j->staged_len > 0)
		iov[n++] = (struct iovec){j->staged, j->staged_len};
	for (size_t i = 0; i < count; i++) {
		put_header(headers[i], types[i], payloads[i], lengths[i]);
		iov[n++] = (struct iovec){headers[i], HEADER};
		iov[n++] = (struct iovec){(void *)payloads[i], lengths[i]};
	}
	return write_records(j, iov, n, j->staged_len + need);
}

int ddns_journal_stage(struct ddns_journal *j, size_t count, const uint8_t *types,
                       const void *const *payloads, const size_t *lengths)
{
	int rc = check_sizes(count, lengths, DDNS_JOURNAL_STAGE_MAX / HEADER);
	size_t need = rc == DDNS_OK ? records_size(count, lengths) : 0;
	if (rc == DDNS_OK && need > DDNS_JOURNAL_STAGE_MAX)
		rc = DDNS_EINVAL;
	if (rc != DDNS_OK)
		return rc;
	/* Allocated once and kept: a staging area freed and taken again every round would make
	 * the allocator hand memory back to the kernel and fault it in again. */
	if (j->staged == NULL && (j->staged = malloc(DDNS_JOURNAL_STAGE_MAX)) == NULL)
		return DDNS_ENOMEM;
	if (j->staged_len + need > DDNS_JOURNAL_STAGE_MAX)
		rc = ddns_journal_flush(j);
	put_records(j->staged + j->staged_len, count, types, payloads, lengths);
	j->staged_len += need;
	return rc;
}

int ddns_journal_flush(struct ddns_journal *j)
{
	if (j->staged_len == 0)
		return DDNS_OK;
	struct iovec iov = {j->staged, j->staged_len};
	return write_records(j, &iov, 1, j->staged_len);
}

int ddns_journal_sync(struct ddns_journal *j)
{
	return fdatasync(j->fd) == 0 ? DDNS_OK : -errno;
}

static bool is_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Whether f is a regular file with nothing but zero bytes from its position to its end (a
 * device that never ends, such as /dev/zero, is not). */
static bool zeros_to_end(FILE *f)
{
	struct stat st;
	off_t at = ftello(f);
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || at < 0)
		return false;
	uint8_t buf[4096];
	for (off_t left = st.st_size - at; left > 0;) {
		size_t want = left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf);
		if (fread(buf, 1, want, f) != want || !is_zero(buf, want))
			return false;
		left -= (off_t)want;
	}
	return true;
}

int ddns_journal_scan(const char *path, const struct ddns_journal_range *range, ddns_journal_fn fn,
                      void *ctx, uint64_t *next, uint64_t *damaged)
{
	*damaged = 0;
	*next = range->from;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? DDNS_OK : -errno;
	uint8_t h[HEADER];
	uint8_t *payload = malloc(DDNS_JOURNAL_PAYLOAD_MAX);
	int rc = payload != NULL ? DDNS_OK : DDNS_ENOMEM;
	uint64_t good = range->from;
	bool unused = false;
	if (rc == DDNS_OK && fseeko(f, (off_t)range->from, SEEK_SET) != 0)
		rc = -errno;
	for (size_t n = 0; rc == DDNS_OK && (range->max == 0 || n < range->max); n++) {
		if (range->to != 0 && good + HEADER > range->to)
			break;
		size_t got = fread(h, 1, HEADER, f);
		if (got == 0)
			break;
		size_t len = (size_t)h[2] << 8 | h[3];
		uint32_t crc =
		    (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		/* Type 0 is never written: zeros to the end are a mapped file's unused part; a run
		 * of zeros with more behind it (a hole, a zeroed block) is damage. */
		if (got == HEADER && is_zero(h, HEADER) && zeros_to_end(f)) {
			unused = true;
			break;
		}
		if (got < HEADER || h[0] == 0 || len > DDNS_JOURNAL_PAYLOAD_MAX ||
		    (range->to != 0 && good + HEADER + len > range->to) ||
		    fread(payload, 1, len, f) != len || ddns_crc32(payload, len) != crc)
			break;
		fn(ctx, h[0], payload, len);
		good += HEADER + len;
	}
	if (rc == DDNS_OK && ferror(f))
		rc = DDNS_EIO;
	*next = good;
	/* Damage is what lies between the last intact record and the end of the file. */
	if (rc == DDNS_OK && !unused && range->max == 0 && range->to == 0 &&
	    fseeko(f, 0, SEEK_END) == 0) {
		off_t size = ftello(f);
		if (size > 0 && (uint64_t)size > good)
			*damaged = (uint64_t)size - good;
	}
	free(payload);
	fclose(f);
	return rc;
}

int ddns_journal_read(const char *path, ddns_journal_fn fn, void *ctx, uint64_t *damaged)
{
	const struct ddns_journal_range whole = {0, 0, 0};
	uint64_t next;
	return ddns_journal_scan(path, &whole, fn, ctx, &next, damaged);
}
