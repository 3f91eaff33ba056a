/* tests/fuzz/fuzz_args.c — fuzz target: the command-line parsers.
 *
 * The input is an argument list, arguments separated by NUL bytes (seeds in
 * tests/fuzz/seeds/args/, made by tests/fuzz/seeds/args.txt). It goes through
 * `allocmark run`'s option parser (am_run_parse_args, the one that decides everything
 * before a run starts) and through the shared helpers am_opt_value / am_parse_u64.
 * A parse that succeeds must leave options inside their documented ranges.
 */
// fuzz-seeds: tests/fuzz/seeds/args/*
#include <stdlib.h>
#include <string.h>
#include "am_args.h"
#include "cmd_run.h"
#include "fuzz.h"

#define AM_FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *argv[AM_FUZZ_MAX_ARGS + 2];
  char *buf;
  argv[0] = (char *)"run";
  size_t n = am_fuzz_split(data, size, argv + 1, AM_FUZZ_MAX_ARGS, &buf);
  if (buf == NULL) return 0;
  int argc = (int)n + 1;
  argv[argc] = NULL;

  am_run_opts_t o;
  memset(&o, 0, sizeof o);
  o.warmup = -1;
  o.rss_interval_ms = -1;
  const char *pats[AM_RUN_MAX_PATTERNS];
  size_t np = 0;
  if (am_run_parse_args(argc, argv, &o, pats, &np) == 0) {
    if (np == 0 || np > AM_RUN_MAX_PATTERNS || o.n_backends == 0 || o.n_backends > AM_RUN_MAX_BACKENDS ||
        o.n_threads > AM_RUN_MAX_THREADS || o.reps > 1000)
      abort();
    for (size_t i = 0; i < o.n_threads; i++)
      if (o.threads[i] == 0) abort();
  }

  /* The shared helpers on every position, as each sub-command calls them. */
  for (int i = 1; i < argc; i++) {
    int j = i;
    const char *v = am_opt_value(argc, argv, &j, "--seed", "-s");
    if (v != NULL && (j < i || j > i + 1)) abort();
    uint64_t x;
    if (am_parse_u64(argv[i], 1000, &x) == 0 && x > 1000) abort();
  }
  free(buf);
  return 0;
}
