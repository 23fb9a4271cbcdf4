/*
 * Replays files through the fuzz entry points without libFuzzer: every
 * file in <corpus>/<target>/ and every <regress>/<target>-*.bin. A crash,
 * sanitizer report or hang fails the test; the run prints what it replayed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_list.h" /* generated: TLSIPS_FUZZ_LIST(X), one X(name) per fuzz_<name>.c */

#define TLSIPS_FUZZ_DECLARE(name) int fuzz_##name(const uint8_t *data, size_t len);
TLSIPS_FUZZ_LIST(TLSIPS_FUZZ_DECLARE)

struct replay_target {
	const char *name;
	int (*fn)(const uint8_t *data, size_t len);
};

#define TLSIPS_FUZZ_ROW(name) { #name, fuzz_##name },
static const struct replay_target replay_targets[] = { TLSIPS_FUZZ_LIST(TLSIPS_FUZZ_ROW) };

/*
 * Runs the target on a copy of data that ends where a PROT_NONE page
 * begins, so a read past the input's end faults even in code the
 * sanitizers do not instrument (Hyperscan's vector loops, libcrypto's
 * assembly), whatever the heap layout.
 */
static int
replay_at_page_end(const struct replay_target *t, const uint8_t *data, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len + page - 1) / page * page;
	uint8_t *map = mmap(NULL, span + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (map == MAP_FAILED || mprotect(map + span, page, PROT_NONE) != 0) {
		fprintf(stderr, "replay: cannot map a guarded copy\n");
		return -1;
	}
	uint8_t *copy = map + span - len;
	memcpy(copy, data, len);
	t->fn(copy, len);
	munmap(map, span + page);
	return 0;
}

static int
replay_file(const struct replay_target *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: cannot open\n", path);
		return -1;
	}
	size_t cap = 1 << 16, len = 0;
	uint8_t *data = malloc(cap);
	size_t n;
	while (data && (n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap && len < (64u << 20)) {
			cap *= 2;
			data = realloc(data, cap);
		}
	}
	fclose(f);
	if (!data)
		return -1;
	int rc = replay_at_page_end(t, data, len);
	free(data);
	return rc;
}

/* Replays files of dir whose names start with prefix (NULL: all). */
static int
replay_dir(const struct replay_target *t, const char *dir, const char *prefix, unsigned *count)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (replay_file(t, path) != 0)
			rc = -1;
		(*count)++;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: regress_replay REGRESS_DIR CORPUS_DIR\n");
		return 2;
	}
	int rc = 0;
	unsigned total = 0;
	for (size_t i = 0; i < sizeof(replay_targets) / sizeof(replay_targets[0]); i++) {
		const struct replay_target *t = &replay_targets[i];
		char dir[4096], prefix[256];
		unsigned count = 0;
		snprintf(dir, sizeof(dir), "%s/%s", argv[2], t->name);
		snprintf(prefix, sizeof(prefix), "%s-", t->name);
		if (replay_dir(t, dir, NULL, &count) != 0 || replay_dir(t, argv[1], prefix, &count) != 0)
			rc = 1;
		printf("%s: %u inputs replayed\n", t->name, count);
		total += count;
	}
	printf("%u passed, %d failed\n", total, rc);
	return rc;
}
