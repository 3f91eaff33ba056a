/* tests/pagepool/pp_test.h — tiny assertion helpers shared by the pagepool tests.
 * PP_T_CHECK(cond) reports file:line and the condition, then exits 1; PP_T_HEAP_OK()
 * runs pp_check() (every heap invariant) and fails the test when it reports corruption. */
#ifndef PP_TEST_H
#define PP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pagepool.h>

#define PP_T_CHECK(cond)                                                           \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

#define PP_T_HEAP_OK() PP_T_CHECK(pp_check() == PP_OK)

/* pp_usable_size(p) is the class size cls; in debug builds the requested size req (the
 * bytes past it are the canary). */
static inline int pp_t_usable_is(const void *p, size_t cls, size_t req) {
  int debug = strstr(pp_config_string(), "debug=1") != NULL;
  return pp_usable_size(p) == (debug ? req : cls);
}

/* The test's one argument, a knob's value N (its CTest line sets the PAGEPOOL_* variable to
 * the same): checks that pp_config_string shows " key=N", the knob in force, and returns N. */
static inline long pp_t_knob_arg(int argc, char **argv, const char *key) {
  PP_T_CHECK(argc == 2);
  long v = strtol(argv[1], NULL, 10);
  char want[48];
  snprintf(want, sizeof want, " %s=%ld", key, v);
  PP_T_CHECK(strstr(pp_config_string(), want) != NULL);
  return v;
}

/* Contents that say which block they belong to: pp_t_fill writes byte i of p as
 * seed + 7 i, pp_t_same says whether p still holds them. */
static inline void pp_t_fill(unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(seed + i * 7);
}
static inline int pp_t_same(const unsigned char *p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(seed + i * 7)) return 0;
  return 1;
}

/* Deterministic xorshift64* generator. */
static inline unsigned long long pp_t_rand(unsigned long long *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

#endif /* PP_TEST_H */
