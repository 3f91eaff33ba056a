/* harness/common/colour.h — the one rule for a backend's chart colour.
 *
 * A backend names its colour in its own file (am_backend_t.colour); a backend that does
 * not (a `so:PATH` backend, a variant, a backend from an old results file that is not
 * built here) gets one derived from its name alone, so it is the same in every chart,
 * every run and every machine, and stays the same when other backends are added. */
#ifndef AM_COLOUR_H
#define AM_COLOUR_H

/* "#rrggbb" for name: given (when a valid "#rrggbb") else derived from the name. Never
 * the failure red (AM_COLOUR_FAIL). Returns a static string or `given`. */
const char *am_backend_colour(const char *name, const char *given);

/* Red: failures in every chart, never a backend's colour. */
#define AM_COLOUR_FAIL "#d62728"

#endif /* AM_COLOUR_H */
