/* SPDX-License-Identifier: MPL-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ddns/error.h"
#include "engine/pool.h"
#include "util/log.h"

/* The threads' nice value: Linux applies a thread ID's nice value to that thread alone. */
#define THREAD_NICE 10

struct ddns_pool {
	ddns_pool_run_fn run;
	ddns_pool_done_fn done;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t ready_cond;    /* signalled when ready gets an item, or on stop */
	struct ddns_pool_item *ready; /* submitted, not taken by a thread; under lock, in order */
	struct ddns_pool_item *ready_tail;
	struct ddns_pool_item *finished; /* run, not collected; under lock */
	size_t busy;                     /* submitted and not collected; under lock */
	bool stop;                       /* under lock */
	size_t n_threads;                /* started */
	pthread_t threads[];
};

void ddns_pool_enter_thread(const char *name)
{
	pthread_setname_np(pthread_self(), name);
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), THREAD_NICE) != 0)
		log_warn(DDNS_DIRECT_THREAD_PRIORITY,
		         "cannot lower the priority of a DNS thread: %s", strerror(errno));
}

static void *thread_main(void *arg)
{
	struct ddns_pool *pool = arg;
	ddns_pool_enter_thread("ddns-sender");
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (pool->ready == NULL && !pool->stop)
			pthread_cond_wait(&pool->ready_cond, &pool->lock);
		if (pool->stop)
			break;
		struct ddns_pool_item *item = pool->ready;
		pool->ready = item->next;
		pthread_mutex_unlock(&pool->lock);
		pool->run(pool->ctx, item);
		pthread_mutex_lock(&pool->lock);
		item->next = pool->finished;
		pool->finished = item;
		pthread_mutex_unlock(&pool->lock);
		pool->done(pool->ctx);
		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

static void stop_threads(struct ddns_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->ready_cond);
	pthread_mutex_unlock(&pool->lock);
	for (size_t i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_cond_destroy(&pool->ready_cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

int ddns_pool_start(size_t threads, ddns_pool_run_fn run, ddns_pool_done_fn done, void *ctx,
                    struct ddns_pool **out)
{
	struct ddns_pool *pool = calloc(1, sizeof(*pool) + threads * sizeof(pthread_t));
	if (pool == NULL)
		return DDNS_ENOMEM;
	pool->run = run;
	pool->done = done;
	pool->ctx = ctx;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->ready_cond, NULL);
	for (; pool->n_threads < threads; pool->n_threads++) {
		int rc = pthread_create(&pool->threads[pool->n_threads], NULL, thread_main, pool);
		if (rc != 0) {
			stop_threads(pool);
			return -rc;
		}
	}
	*out = pool;
	return DDNS_OK;
}

void ddns_pool_submit(struct ddns_pool *pool, struct ddns_pool_item *item)
{
	item->next = NULL;
	pthread_mutex_lock(&pool->lock);
	if (pool->ready == NULL)
		pool->ready = item;
	else
		pool->ready_tail->next = item;
	pool->ready_tail = item;
	pool->busy++;
	pthread_cond_signal(&pool->ready_cond);
	pthread_mutex_unlock(&pool->lock);
}

struct ddns_pool_item *ddns_pool_collect(struct ddns_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	struct ddns_pool_item *list = pool->finished;
	pool->finished = NULL;
	for (const struct ddns_pool_item *i = list; i != NULL; i = i->next)
		pool->busy--;
	pthread_mutex_unlock(&pool->lock);
	return list;
}

size_t ddns_pool_busy(struct ddns_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	size_t busy = pool->busy;
	pthread_mutex_unlock(&pool->lock);
	return busy;
}

size_t ddns_pool_idle(struct ddns_pool *pool)
{
	size_t busy = ddns_pool_busy(pool);
	return busy < pool->n_threads ? pool->n_threads - busy : 0;
}

void ddns_pool_free(struct ddns_pool *pool)
{
	if (pool != NULL)
		stop_threads(pool);
}
