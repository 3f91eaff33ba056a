/* tests/pagepool/test_leak.c — leak report content.
 * Usage: test_pp_leak sites|nosites
 * Leaves 10 blocks of 24 B (class 32) from leak_small(), 3 of 10000 B (large path) from
 * leak_large() and 5 of 200 B (class 256) from main, frees everything else, then checks
 * the report: totals, one line per class, the large line, and (with call-site tracking)
 * the top sites symbolized by dladdr (the executable is linked with -rdynamic). */
#include <string.h>
#include "pp_test.h"

void *leak_small(int i);
void *leak_large(int i);
/* Each touches its block after the call, so the call is not a tail call (return address
 * inside the function). */
__attribute__((noinline)) void *leak_small(int i) {
  char *p = pp_malloc(24);
  if (p) p[0] = (char)i;
  return p;
}
__attribute__((noinline)) void *leak_large(int i) {
  char *p = pp_malloc(10000);
  if (p) p[0] = (char)i;
  return p;
}

/* Is there a report line "<a> <b> <count> <bytes>" (whitespace-separated)? */
static int has_row(const char *text, const char *a, const char *b, unsigned long long count,
                   unsigned long long bytes) {
  for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    char x[32], y[32];
    unsigned long long c, n;
    if (sscanf(l, "%31s %31s %llu %llu", x, y, &c, &n) == 4 && strcmp(x, a) == 0 && strcmp(y, b) == 0 &&
        c == count && n == bytes)
      return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  PP_T_CHECK(argc == 2);
  int sites = strcmp(argv[1], "sites") == 0;
  pp_config_t cfg = { PP_CLASSES_POW2, 64, 1, PP_LOOKUP_FAST, sites, PP_LARGE_OWN };
  PP_T_CHECK(pp_configure(&cfg) == PP_OK);
  void *tmp[100];
  for (int i = 0; i < 100; i++) tmp[i] = pp_malloc((size_t)i * 50);
  for (int i = 0; i < 10; i++) PP_T_CHECK(leak_small(i) != NULL);
  for (int i = 0; i < 3; i++) PP_T_CHECK(leak_large(i) != NULL);
  for (int i = 0; i < 5; i++) PP_T_CHECK(pp_malloc(200) != NULL);
  for (int i = 0; i < 100; i++) pp_free(tmp[i]);
  PP_T_HEAP_OK();

  FILE *f = tmpfile();
  PP_T_CHECK(f != NULL);
  pp_leak_report(f);
  rewind(f);
  char text[8192];
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = '\0';
  fclose(f);
  fputs(text, stdout);
  PP_T_CHECK(strstr(text, "pagepool leak report: 18 live blocks, 31600 bytes\n") != NULL);
  PP_T_CHECK(has_row(text, "1", "32", 10, 320));
  PP_T_CHECK(has_row(text, "4", "256", 5, 1280));
  PP_T_CHECK(has_row(text, "large", ">4096", 3, 30000));
  if (sites) {
    char *top = strstr(text, "top allocation sites");
    PP_T_CHECK(top != NULL);
    char *large = strstr(top, "leak_large+"), *small = strstr(top, "leak_small+"), *m = strstr(top, "main+");
    PP_T_CHECK(large != NULL && small != NULL && m != NULL);
    PP_T_CHECK(large < m && m < small); /* ordered by bytes: 30000, 1280, 320 */
    unsigned long long c, b;
    PP_T_CHECK(sscanf(top, "%*[^\n]\n%*[^\n]\n %llu %llu", &c, &b) == 2);
    PP_T_CHECK(c == 3 && b == 30000); /* first site line: the large blocks */
  } else {
    PP_T_CHECK(strstr(text, "allocation sites: not tracked") != NULL);
  }
  return 0;
}
