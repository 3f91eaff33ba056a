/* harness/common/pattern_json.h — validating accessors over cJSON for the pattern
 * parser: each checks type, range and unknown/duplicate keys, and on a mismatch
 * writes the one-line diagnostic "<file>: <JSON path>: expected ..., got ...".
 * Used by the pattern (pattern*.c) and program-file (progfile.c) readers. */
#ifndef AM_PATTERN_JSON_H
#define AM_PATTERN_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <cJSON.h>
#include "am_error.h"

typedef struct am_pctx_s {
  const char *file;   /* for messages                         */
  am_diag_t *d;
  void **arena;       /* pattern arena (pattern_int.h)        */
} am_pctx_t;

#ifndef AM_PATH_MAX
#define AM_PATH_MAX 192 /* longest JSON path in a message */
#endif

/* "parent.key" (or "key" at the top level) into buf. */
void am_j_path(char *buf, const char *parent, const char *key);
/* "parent[i]" into buf. */
void am_j_index(char *buf, const char *parent, size_t i);
/* Describe a JSON value for "got ...": 0, 1.5, "abc", true, null, an array, an object. */
void am_j_describe(const cJSON *v, char *buf, size_t cap);

/* Report "<file>: <path>: expected <expected>, got <v>" (v NULL: "got nothing (required)").
 * Returns AM_EINVAL, or AM_ERANGE when range is set. */
int am_j_bad(am_pctx_t *c, const char *path, const char *expected, const cJSON *v, int range);

/* v must be an object whose keys are all in `keys` (NULL-terminated list) and unique. */
int am_j_object(am_pctx_t *c, const cJSON *v, const char *path, const char *const *keys);
/* The member `key` of an object, or NULL. */
const cJSON *am_j_get(const cJSON *obj, const char *key);

/* Integer member in [lo, hi]; absent: *out = def, or an error when required. */
int am_j_uint(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
              uint64_t lo, uint64_t hi, int required, uint64_t def, uint64_t *out);
/* The same for a bare value at `path`. */
int am_j_uint_value(am_pctx_t *c, const cJSON *v, const char *path, uint64_t lo, uint64_t hi, uint64_t *out);
/* Number member in [lo, hi] (lo excluded when lo_open). */
int am_j_num(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
             double lo, double hi, int lo_open, int required, double def, double *out);
/* String member that must be one of names[] (NULL-terminated); *out = its index. */
int am_j_enum(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
              const char *const *names, int required, int def, int *out);
/* String member of at most maxlen bytes; name_chars: only [A-Za-z0-9._-], non-empty.
 * *out points into the JSON tree (absent: def). */
int am_j_string(am_pctx_t *c, const cJSON *obj, const char *key, const char *parent,
                size_t maxlen, int name_chars, const char *def, const char **out);

/* Malformed JSON itself ("<file>:<line>:<col>: malformed JSON (<what>)") is json_io.h's
 * am_json_parse, which every loader calls first. */

#include "json_io.h"

#endif /* AM_PATTERN_JSON_H */
