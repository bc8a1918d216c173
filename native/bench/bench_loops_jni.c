/*
 * libvostok-bench-loops: bench_ops.c's loops called from a JVM (org.vostok.vos.bench.CLoops),
 * a whole round per call, on the pool and container the Java binding has open, so that C's
 * rounds and the binding's take turns in one process, on one pool, with the same keys: a change
 * of the machine's speed then meets both sides alike (scripts/bench-vos.sh, SAME_PROCESS=1).
 *
 * It is not linked with libvostok-vos: it takes the library's functions from the one copy the
 * binding has loaded (found by its file name among the process's objects), because a pool
 * handle means something only to the copy that opened it. Built only for the benchmark.
 */
#define _GNU_SOURCE
#include "bench_ops.h"

#include <dlfcn.h>
#include <jni.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBRARY_FILE "libvostok-vos.so"

struct found {
	char path[4096];
	int  copies;
};

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found *found = data;
	const char *slash = strrchr(info->dlpi_name, '/');
	const char *base = slash != NULL ? slash + 1 : info->dlpi_name;

	(void)size;
	if (strcmp(base, LIBRARY_FILE) == 0) {
		found->copies++;
		snprintf(found->path, sizeof(found->path), "%s", info->dlpi_name);
	}
	return 0;
}

static void throw_state(JNIEnv *env, const char *message)
{
	jclass type = (*env)->FindClass(env, "java/lang/IllegalStateException");

	if (type != NULL)
		(*env)->ThrowNew(env, type, message);
}

/* The library the binding loaded; NULL (an exception pending) unless exactly one copy is. */
static const struct bench_vos *loaded_vos(JNIEnv *env)
{
	static struct bench_vos vos;
	struct found found = { .copies = 0 };
	char message[4200];
	void *library;

	if (vos.fetch != NULL)
		return &vos;
	dl_iterate_phdr(find_library, &found);
	if (found.copies != 1) {
		snprintf(message, sizeof(message), "%d copies of %s are loaded, not one: load the "
			 "binding (and open its pool) first, and only one binding per process",
			 found.copies, LIBRARY_FILE);
		throw_state(env, message);
		return NULL;
	}
	library = dlopen(found.path, RTLD_NOW | RTLD_NOLOAD);
	if (library == NULL) {
		snprintf(message, sizeof(message), "dlopen %s: %s", found.path, dlerror());
		throw_state(env, message);
		return NULL;
	}
	/* The copy stays loaded as long as the binding does: this reference only adds to it. */
	*(void **)&vos.tx_apply = dlsym(library, "vos_tx_apply");
	*(void **)&vos.iterate = dlsym(library, "vos_iterate");
	*(void **)&vos.fetch = dlsym(library, "vos_fetch");
	if (vos.fetch == NULL || vos.tx_apply == NULL || vos.iterate == NULL) {
		vos.fetch = NULL;
		snprintf(message, sizeof(message), "%s lacks vos_fetch, vos_tx_apply or vos_iterate",
			 found.path);
		throw_state(env, message);
		return NULL;
	}
	return &vos;
}

static void throw_failure(JNIEnv *env, const char *what, int rc)
{
	char message[200];

	snprintf(message, sizeof(message), "%s failed in C: %d%s", what, rc,
		 rc == BENCH_ERR_UNEXPECTED ? " (a preloaded key absent or of another length, or "
					      "another count of records)" : "");
	throw_state(env, message);
}

static struct bench_ctx *ctx_of(jlong ctx)
{
	return (struct bench_ctx *)(intptr_t)ctx;
}

JNIEXPORT jlong JNICALL Java_org_vostok_vos_bench_CLoops_open(JNIEnv *env, jclass type, jlong pool,
							       jlong cont, jlong keys,
							       jint value_bytes)
{
	const struct bench_vos *vos = loaded_vos(env);
	struct bench_ctx *ctx;

	(void)type;
	if (vos == NULL)
		return 0;
	ctx = malloc(sizeof(*ctx));
	if (ctx == NULL || bench_ctx_init(ctx, vos, (uint64_t)keys, (uint32_t)value_bytes) != VOS_OK) {
		free(ctx);
		throw_state(env, "out of memory");
		return 0;
	}
	ctx->pool = (vos_pool_t *)(intptr_t)pool;
	ctx->cont = (vos_cont_h)cont;
	return (jlong)(intptr_t)ctx;
}

JNIEXPORT void JNICALL Java_org_vostok_vos_bench_CLoops_close(JNIEnv *env, jclass type, jlong ctx)
{
	(void)env;
	(void)type;
	bench_ctx_fini(ctx_of(ctx));
	free(ctx_of(ctx));
}

/* The state the Java side shares: the fetches' random state, the updates' next key and epoch. */
JNIEXPORT void JNICALL Java_org_vostok_vos_bench_CLoops_state(JNIEnv *env, jclass type, jlong ctx,
							       jlong random_state, jlong next_key,
							       jlong epoch)
{
	(void)env;
	(void)type;
	ctx_of(ctx)->random_state = (uint64_t)random_state;
	ctx_of(ctx)->next_key = (uint64_t)next_key;
	ctx_of(ctx)->epoch = (uint64_t)epoch;
}

JNIEXPORT jlong JNICALL Java_org_vostok_vos_bench_CLoops_randomState(JNIEnv *env, jclass type,
								      jlong ctx)
{
	(void)env;
	(void)type;
	return (jlong)ctx_of(ctx)->random_state;
}

/* op: 0 fetch, 1 fetch_alloc, 2 fetch_hot, 3 update1, 4 update64, 5 iterate; n as bench_ops.h. */
JNIEXPORT void JNICALL Java_org_vostok_vos_bench_CLoops_run(JNIEnv *env, jclass type, jlong ctx,
							     jint op, jlong n)
{
	static const char *const names[] = { "fetch", "fetch_alloc", "fetch_hot", "update1",
					     "update64", "iterate" };
	struct bench_ctx *c = ctx_of(ctx);
	int rc;

	(void)type;
	switch (op) {
	case 0: rc = bench_fetch(c, (uint64_t)n); break;
	case 1: rc = bench_fetch_alloc(c, (uint64_t)n); break;
	case 2: rc = bench_fetch_hot(c, (uint64_t)n); break;
	case 3: rc = bench_update1(c, (uint64_t)n); break;
	case 4: rc = bench_update64(c, (uint64_t)n); break;
	case 5: rc = bench_iterate(c, (uint64_t)n); break;
	default:
		throw_state(env, "no such operation");
		return;
	}
	if (rc != VOS_OK)
		throw_failure(env, names[op], rc);
}
