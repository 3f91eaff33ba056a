/* tests/patterns/test_parse.c — the pattern parser's API behaviour (file errors,
 * defaults, getters) and robustness: thousands of deterministic mutations of valid
 * patterns must each either parse or give one diagnostic line naming the file, and a
 * pattern that parses must give a spec that parses again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "pattern.h"
#include "rng.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
                                              printf(__VA_ARGS__); printf("\n"); } } while (0)

static void test_api(void) {
  am_pattern_t *p;
  am_diag_t d;
  CHECK(am_pattern_load("/nonexistent/x.json", &p, &d) == AM_ENOENT && p == NULL, "missing file");
  CHECK(strncmp(d.msg, "/nonexistent/x.json: ", 21) == 0, "message: %s", d.msg);
  const char nul[] = "{\"format\": \"allocmark-pattern/1\"\0}";
  CHECK(am_pattern_parse("n.json", nul, sizeof nul - 1, &p, &d) == AM_ESYNTAX, "NUL byte accepted");
  CHECK(strcmp(d.msg, "n.json:1:33: malformed JSON (unexpected byte 0x00)") == 0, "NUL: %s", d.msg);
  const char *ok = "{\"format\": \"allocmark-pattern/1\", \"description\": \"d\", \"seed\": 9007199254740991,"
                   " \"repetitions\": 3, \"warmup\": 2, \"threads\": [\"ncpu\", 1, 1],"
                   " \"phases\": [{\"allocs\": 10}, {\"name\": \"b\", \"allocs\": 1}]}";
  int rc = am_pattern_parse("dir/some-name.json", ok, strlen(ok), &p, &d);
  CHECK(rc == 0, "parse: %s", d.msg);
  if (rc == 0) {
    unsigned t[4];
    size_t n = am_pattern_thread_counts(p, t, 4);
    CHECK(strcmp(am_pattern_name(p), "some-name") == 0, "name from the file stem: %s", am_pattern_name(p));
    CHECK(strcmp(am_pattern_path(p), "dir/some-name.json") == 0, "path");
    CHECK(strcmp(am_pattern_description(p), "d") == 0, "description");
    CHECK(am_pattern_seed(p) == 9007199254740991ull && am_pattern_repetitions(p) == 3 && am_pattern_warmup(p) == 2, "numbers");
    CHECK(n >= 1 && t[n - 1] == 1 && (n == 1 || t[0] > 1), "ncpu then 1, deduplicated: %zu", n);
    CHECK(am_pattern_phase_count(p) == 2 && strcmp(am_pattern_phase_name(p, 0), "phase0") == 0 &&
          strcmp(am_pattern_phase_name(p, 1), "b") == 0 && am_pattern_phase_name(p, 2) == NULL, "phase names");
    CHECK(am_pattern_thread_counts(p, t, 1) == 1, "cap respected");
    am_pattern_free(p);
  }
  const char *big = "{\"format\": \"allocmark-pattern/1\", \"seed\": 9007199254740992, \"phases\": [{\"allocs\": 1}]}";
  CHECK(am_pattern_parse("s.json", big, strlen(big), &p, &d) == AM_ERANGE, "seed 2^53 accepted");
}

static const char *const seeds[] = {
  "{\"format\":\"allocmark-pattern/1\",\"threads\":[1,2],\"phases\":[{\"allocs\":50,\"size\":{\"dist\":\"uniform\","
  "\"min\":1,\"max\":99},\"lifetime\":{\"kind\":\"window\",\"live\":5,\"keep\":0.5},\"handoff\":{\"ratio\":0.5}},"
  "{\"free_kept\":\"lifo\"}]}",
  "{\"format\":\"allocmark-pattern/1\",\"threads\":4,\"phases\":[{\"round\":4,\"lag\":2,\"roles\":[{\"name\":\"p\","
  "\"threads\":\"50%\",\"allocs\":20,\"mix\":{\"realloc\":1,\"aligned\":2},\"align\":[8,4096],\"handoff\":{\"ratio\":1,"
  "\"to\":\"c\"}},{\"name\":\"c\",\"allocs\":0,\"write\":3}]}]}",
  "{\"format\":\"allocmark-pattern/1\",\"phases\":[{\"allocs\":30,\"size\":{\"dist\":\"histogram\",\"bins\":[{\"min\":1,"
  "\"max\":9,\"weight\":2}]},\"lifetime\":{\"kind\":\"ops\",\"allocs\":{\"dist\":\"pareto\",\"min\":1,\"alpha\":2,"
  "\"max\":9}}},{\"allocs\":9,\"size\":{\"dist\":\"choice\",\"values\":[3,4],\"weights\":[1,2]},\"lifetime\":"
  "{\"kind\":\"batch\",\"count\":3,\"order\":\"random\"},\"respawn\":2}]}",
};

static void test_mutations(void) {
  am_rng_t r;
  am_rng_seed(&r, 2024, 0);
  const char digits[] = "0123456789{}[]\":,-.e \"ab%";
  int parsed = 0, rejected = 0;
  for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
    size_t len = strlen(seeds[s]);
    char *buf = malloc(len + 8);
    for (int it = 0; it < 4000; it++) {
      memcpy(buf, seeds[s], len + 1);
      size_t n = len;
      int edits = 1 + (int)am_rng_below(&r, 3);
      for (int e = 0; e < edits && n > 0; e++) {
        size_t at = (size_t)am_rng_below(&r, n);
        switch (am_rng_below(&r, 5)) {
        case 4:                                                                  /* a digit */
          while (at < n && !(buf[at] >= '0' && buf[at] <= '9')) at++;
          if (at < n) { buf[at] = (char)('0' + am_rng_below(&r, 10)); break; }
          at = 0;
          /* fall through */
        case 0: buf[at] = digits[am_rng_below(&r, sizeof digits - 1)]; break;  /* replace */
        case 1: memmove(buf + at, buf + at + 1, n - at); n--; break;            /* delete  */
        case 2: n = at; buf[n] = '\0'; break;                                    /* cut     */
        default: memmove(buf + at + 1, buf + at, n - at + 1);                    /* insert  */
                 buf[at] = digits[am_rng_below(&r, sizeof digits - 1)]; n++; break;
        }
      }
      am_pattern_t *p;
      am_diag_t d;
      if (am_pattern_parse("m.json", buf, n, &p, &d) == 0) {
        parsed++;
        cJSON *spec = am_pattern_spec_json(p);
        char *text = cJSON_PrintUnformatted(spec);
        am_pattern_t *q;
        CHECK(am_pattern_parse("m.json", text, strlen(text), &q, &d) == 0, "spec of a mutant does not parse: %s\n  %s",
              d.msg, text);
        if (q) am_pattern_free(q);
        cJSON_free(text);
        cJSON_Delete(spec);
        am_pattern_free(p);
      } else {
        rejected++;
        CHECK(strncmp(d.msg, "m.json", 6) == 0 && strchr(d.msg, '\n') == NULL && strlen(d.msg) < sizeof d.msg - 1,
              "diagnostic: %s", d.msg);
      }
    }
    free(buf);
  }
  printf("mutants: %d parsed, %d rejected\n", parsed, rejected);
  CHECK(parsed > 300 && rejected > 1000, "mutations too weak or too strong");
}

int main(void) {
  test_api();
  test_mutations();
  printf("%s (%d failure%s)\n", failures ? "FAILED" : "ok", failures, failures == 1 ? "" : "s");
  return failures != 0;
}
