/* tests/report/test_sha256.c — SHA-256 (harness/common/sha256.c), which the report's
 * citation block and the results' pattern digest rely on, against the
 * FIPS 180-2 example vectors, plus 55 and 64 bytes, the lengths at the padding
 * boundaries (digests from `sha256sum`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"

static int fails;

static void expect(const char *what, const void *data, size_t len, const char *hex) {
  char got[65];
  am_sha256_hex(data, len, got);
  if (strcmp(got, hex) != 0) {
    fprintf(stderr, "sha256(%s) = %s, expected %s\n", what, got, hex);
    fails++;
  }
}

int main(void) {
  expect("\"\"", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  expect("abc", "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
  expect("448-bit message", two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  expect("896-bit message", four, strlen(four), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  char *million = malloc(1000000);
  if (million == NULL) return 1;
  memset(million, 'a', 1000000);
  expect("a x 1e6", million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free(million);
  expect("55 x a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55,
         "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  expect("64 x a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64,
         "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  if (fails == 0) printf("sha256: all vectors match\n");
  return fails != 0;
}
