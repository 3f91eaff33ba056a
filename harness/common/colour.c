/* harness/common/colour.c — a backend's chart colour (see colour.h). */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include "colour.h"

/* Distinct, print-safe colours with no red; a name hashes to one of them (FNV-1a). */
static const char *const derived[] = {
  "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#98df8a", "#c5b0d5",
  "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79", "#637939",
};

static int valid_hex(const char *s) {
  if (s == NULL || s[0] != '#' || strlen(s) != 7) return 0;
  for (int i = 1; i < 7; i++) if (!isxdigit((unsigned char)s[i])) return 0;
  return strcmp(s, AM_COLOUR_FAIL) != 0;
}

const char *am_backend_colour(const char *name, const char *given) {
  if (valid_hex(given)) return given;
  uint32_t h = 2166136261u;
  for (const char *c = name ? name : ""; *c; c++) { h ^= (unsigned char)*c; h *= 16777619u; }
  return derived[h % (sizeof derived / sizeof *derived)];
}
