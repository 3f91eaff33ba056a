/* tests/fuzz/fuzz.h — helpers shared by the libFuzzer targets in tests/fuzz/fuzz_*.c.
 *
 * Every target defines LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize);
 * it is linked either with libFuzzer (clang, -fsanitize=fuzzer: tests/fuzz/run.sh) or
 * with replay_main.c (any compiler: the CTest fuzz.replay.<name> runs the seeds and the
 * regression inputs once). util.c holds the helpers below. See tests/fuzz/README.md. */
#ifndef AM_FUZZ_H
#define AM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An anonymous in-memory file (memfd) holding exactly `size` bytes of data, for code
 * that opens files by name. Slots 0..AM_FUZZ_FILES-1 are reused across calls. Returns
 * its path "/proc/self/fd/N", or NULL when that fails (the target skips the input). */
#define AM_FUZZ_FILES 4
const char *am_fuzz_file(int slot, const uint8_t *data, size_t size);

/* /dev/null for writing, opened once: writers under test print into it. */
FILE *am_fuzz_null(void);

/* Split data at NUL bytes into at most cap NUL-terminated strings in a buffer of
 * size + 1 bytes (free it); returns how many. For argv-like inputs. */
size_t am_fuzz_split(const uint8_t *data, size_t size, char **out, size_t cap, char **buf);

#endif /* AM_FUZZ_H */
