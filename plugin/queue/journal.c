/* SPDX-License-Identifier: MPL-2.0 */
/* Record files; see journal.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ddns/error.h"
#include "queue/journal.h"

#define HEADER 8

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t ddns_crc32(const uint8_t *data, size_t len)
{
	pthread_once(&crc_once, crc_init);
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

int ddns_journal_open(struct ddns_journal *j, const char *path)
{
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0)
		return -errno;
	struct stat st;
	j->bytes = fstat(j->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return DDNS_OK;
}

void ddns_journal_close(struct ddns_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

int ddns_journal_append(struct ddns_journal *j, size_t count, const uint8_t *types,
                        const void *const *payloads, const size_t *lengths)
{
	enum { MAX_RECORDS = 32 };
	uint8_t headers[MAX_RECORDS][HEADER];
	struct iovec iov[2 * MAX_RECORDS];
	size_t total = 0;
	if (count > MAX_RECORDS)
		return DDNS_EINVAL;
	for (size_t i = 0; i < count; i++) {
		if (lengths[i] > DDNS_JOURNAL_PAYLOAD_MAX)
			return DDNS_EINVAL;
		uint32_t crc = ddns_crc32(payloads[i], lengths[i]);
		uint8_t *h = headers[i];
		h[0] = types[i];
		h[1] = 0;
		h[2] = (uint8_t)(lengths[i] >> 8);
		h[3] = (uint8_t)lengths[i];
		h[4] = (uint8_t)(crc >> 24);
		h[5] = (uint8_t)(crc >> 16);
		h[6] = (uint8_t)(crc >> 8);
		h[7] = (uint8_t)crc;
		iov[2 * i] = (struct iovec){h, HEADER};
		iov[2 * i + 1] = (struct iovec){(void *)payloads[i], lengths[i]};
		total += HEADER + lengths[i];
	}
	ssize_t n = writev(j->fd, iov, (int)(2 * count));
	if (n == (ssize_t)total) {
		j->bytes += total;
		return DDNS_OK;
	}
	int err = n < 0 ? -errno : DDNS_EIO;
	/* A short write (disk full) would leave a torn record in front of the next one. */
	if (ftruncate(j->fd, (off_t)j->bytes) != 0)
		err = -errno;
	return err;
}

int ddns_journal_sync(struct ddns_journal *j)
{
	return fdatasync(j->fd) == 0 ? DDNS_OK : -errno;
}

int ddns_journal_read(const char *path, ddns_journal_fn fn, void *ctx, uint64_t *damaged)
{
	*damaged = 0;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return errno == ENOENT ? DDNS_OK : -errno;
	uint8_t h[HEADER];
	uint8_t *payload = malloc(DDNS_JOURNAL_PAYLOAD_MAX);
	int rc = payload != NULL ? DDNS_OK : DDNS_ENOMEM;
	uint64_t good = 0;
	while (rc == DDNS_OK) {
		size_t got = fread(h, 1, HEADER, f);
		if (got == 0)
			break;
		size_t len = (size_t)h[2] << 8 | h[3];
		uint32_t crc =
		    (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
		/* Type 0 is never written: a run of zero bytes (a hole, a zeroed block) is damage.
		 */
		if (got < HEADER || h[0] == 0 || len > DDNS_JOURNAL_PAYLOAD_MAX ||
		    fread(payload, 1, len, f) != len || ddns_crc32(payload, len) != crc)
			break;
		fn(ctx, h[0], payload, len);
		good += HEADER + len;
	}
	if (rc == DDNS_OK && ferror(f))
		rc = DDNS_EIO;
	if (rc == DDNS_OK && fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		if (size > 0 && (uint64_t)size > good)
			*damaged = (uint64_t)size - good;
	}
	free(payload);
	fclose(f);
	return rc;
}
