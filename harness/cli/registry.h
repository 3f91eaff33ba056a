/* harness/cli/registry.h — the backends compiled into this build, and what each runner
 * says about itself. The one place the driver learns which backends exist.
 *
 * The names come from the table CMake generates (am_add_backend in harness/CMakeLists.txt,
 * in registration order); everything else (colour, whether `-b all` includes it, its
 * version and configuration, whether it can dump its heap) is asked once per process
 * from `am-runner-<name> info` and cached. No backend is named anywhere in the driver. */
#ifndef AM_REGISTRY_H
#define AM_REGISTRY_H

#include <stddef.h>

struct cJSON;

/* Backends compiled in, in registration order (the canonical order everywhere). */
size_t am_registry_count(void);
const char *am_registry_name(size_t i);
/* Position of name in the registry, or -1 when it is not built here. */
int am_registry_index(const char *name);
/* The reference backend, the C library's own malloc (AM_REFERENCE_BACKEND in
 * harness/CMakeLists.txt): what every ratio is relative to. Its name, and whether name
 * (not NULL) is it. */
const char *am_registry_reference(void);
int am_registry_is_reference(const char *name);

/* The one spawn of `am-runner-<runner> info` (with env, NULL-terminated, added to the
 * environment; may be NULL): the parsed object (the caller frees it), or NULL with the
 * runner's one-line reason in err. */
struct cJSON *am_runner_info(const char *runner, char *const *env, char *err, size_t cap);

/* `am-runner-<name> info` as JSON, spawned once per process and cached (do not free);
 * NULL when the backend is not built or its runner failed (one line on stderr once). */
const struct cJSON *am_registry_info(const char *name);
/* From the info: part of `-b all` (not test-only, not a baseline)? 0 when unknown. */
int am_registry_in_all(const char *name);
/* The chart colour: the runner's when built here, else derived from the name. */
const char *am_registry_colour(const char *name);

#endif /* AM_REGISTRY_H */
