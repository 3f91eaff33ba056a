/* tests/fuzz/replay_main.c — run a fuzz target over files, without libFuzzer.
 *
 * Linked with a fuzz_<name>.c into build/tests/am-fuzz-replay-<name> by any compiler,
 * so the Release and sanitizer builds replay every seed and regression input
 * (CTest fuzz.replay.<name>). Usage: am-fuzz-replay-<name> FILE|DIR...; a folder
 * means every regular file in it. Exit 0 when every input ran (a crash aborts). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "fuzz.h"

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) { fprintf(stderr, "replay: cannot open %s\n", path); return 1; }
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = malloc(cap);
  size_t n;
  while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      unsigned char *nb = realloc(buf, cap * 2);
      if (nb == NULL) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (buf == NULL) { fprintf(stderr, "replay: out of memory reading %s\n", path); return 1; }
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int bad = 0;
  size_t ran = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) { fprintf(stderr, "replay: no such input %s\n", argv[i]); bad = 1; continue; }
    if (!S_ISDIR(st.st_mode)) { bad |= run_file(argv[i]); ran++; continue; }
    DIR *d = opendir(argv[i]);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
      if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) { bad |= run_file(p); ran++; }
    }
    if (d != NULL) closedir(d);
  }
  printf("replay: %zu inputs\n", ran);
  return bad;
}
