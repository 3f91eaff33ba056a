/* tests/engine/test_json_io.c — json_io.h, the one reader and writer: malformed JSON is
 * one line "<file>:<line>:<col>: malformed JSON (<what>)" at the culprit (lines and
 * columns from 1); a file over the cap or missing is named; an atomic write leaves the
 * whole new file or the old one, and never a temp file, also when it fails.
 * argv[1]: a scratch folder (this test's own). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cJSON.h>
#include "json_io.h"

static int failures;
#define CHECK(c, ...) do { if (!(c)) { failures++; fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #c); \
                                       fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* Parse text and compare the message (want NULL: must parse). */
static void parse_case(const char *text, size_t len, const char *want) {
  cJSON *root = NULL;
  am_diag_t d = {{0}};
  int rc = am_json_parse("f.json", text, len, &root, &d);
  if (want == NULL) CHECK(rc == 0 && root != NULL, "'%s': %s", text, d.msg);
  else CHECK(rc == AM_ESYNTAX && root == NULL && strcmp(d.msg, want) == 0, "'%s': said '%s', want '%s'", text, d.msg, want);
  cJSON_Delete(root);
}

/* Files in dir whose name holds ".tmp." (left-over temp files). */
static int temp_files(const char *dir) {
  DIR *dp = opendir(dir);
  int n = 0;
  for (struct dirent *e; dp != NULL && (e = readdir(dp)) != NULL;) n += strstr(e->d_name, ".tmp.") != NULL;
  if (dp) closedir(dp);
  return n;
}

static void write_text(const char *path, const char *s) {
  FILE *f = fopen(path, "w");
  if (f != NULL) { fputs(s, f); fclose(f); }
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: test_json_io SCRATCH_DIR\n"); return 2; }
  char dir[4096], path[4200], text_path[4200];
  snprintf(dir, sizeof dir, "%s/json_io", argv[1]);
  mkdir(argv[1], 0755);
  mkdir(dir, 0755);

  /* ---- line:col, and what was found there ---- */
  parse_case("{\"a\": [1, 2]}\n", 14, NULL);
  parse_case("", 0, "f.json:1:1: malformed JSON (empty input)");
  parse_case("  \n ", 4, "f.json:1:1: malformed JSON (empty input)");
  parse_case("{\n  \"a\": 1,\n  \"b\": [,]\n}", 23, "f.json:3:9: malformed JSON (unexpected character ',')");
  parse_case("{\"a\": 1}\n}", 10, "f.json:2:1: malformed JSON (unexpected character '}')");
  parse_case("{\"a\": \"open", 11, "f.json:1:7: malformed JSON (unterminated string)");
  parse_case("{\"a\": 1", 7, "f.json:1:8: malformed JSON (unexpected end of input)");
  parse_case("{'a': 1}", 8, "f.json:1:2: malformed JSON (unexpected character \"'\")");
  parse_case("{\"a\": 1,}", 9, "f.json:1:9: malformed JSON (unexpected character '}')");
  parse_case("{\"a\":\0 1}", 9, "f.json:1:6: malformed JSON (unexpected byte 0x00)");

  /* ---- reading files ---- */
  char *text;
  size_t len;
  am_diag_t d = {{0}};
  snprintf(text_path, sizeof text_path, "%s/t.json", dir);
  write_text(text_path, "{\"x\": 1}\n");
  CHECK(am_file_read(text_path, 64, &text, &len, &d) == 0 && len == 9 && text[len] == '\0', "%s", d.msg);
  free(text);
  CHECK(am_file_read(text_path, 8, &text, &len, &d) == AM_ERANGE && text == NULL && strstr(d.msg, "at most 8 bytes"),
        "cap: %s", d.msg);
  CHECK(am_file_read(text_path, 9, &text, &len, &d) == 0 && len == 9, "exactly the cap: %s", d.msg);
  free(text);
  snprintf(path, sizeof path, "%s/none.json", dir);
  CHECK(am_file_read(path, 64, &text, &len, &d) == AM_ENOENT && strncmp(d.msg, path, strlen(path)) == 0, "%s", d.msg);
  CHECK(am_file_read(dir, 64, &text, &len, &d) == AM_EIO, "a folder: %s", d.msg);
  cJSON *root = NULL;
  write_text(text_path, "[1,\n 2,,]");
  CHECK(am_json_read_file(text_path, &root, &d) == AM_ESYNTAX && root == NULL && strstr(d.msg, "t.json:2:4: malformed JSON"),
        "%s", d.msg);

  /* ---- atomic writes ---- */
  snprintf(path, sizeof path, "%s/out.json", dir);
  CHECK(am_write_atomic(path, "old\n", 4, &d) == 0, "%s", d.msg);
  CHECK(am_write_atomic(path, "new contents\n", 13, &d) == 0, "%s", d.msg);
  CHECK(am_file_read(path, 64, &text, &len, &d) == 0 && len == 13 && strcmp(text, "new contents\n") == 0, "read back");
  free(text);
  CHECK(temp_files(dir) == 0, "a temp file was left after a good write");
  /* Renaming over a folder fails: the temp file goes, the folder stays. */
  char sub[4300];
  snprintf(sub, sizeof sub, "%s/a-folder", dir);
  mkdir(sub, 0755);
  CHECK(am_write_atomic(sub, "x", 1, &d) == AM_EIO && strncmp(d.msg, sub, strlen(sub)) == 0, "%s", d.msg);
  CHECK(temp_files(dir) == 0, "a temp file was left after a failed rename");
  struct stat st;
  CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode), "the folder was replaced");
  /* A folder that does not exist: nothing is created. */
  CHECK(am_write_atomic("/nonexistent-dir/x.json", "x", 1, &d) == AM_EIO, "%s", d.msg);
  /* Streaming: nothing at the path before commit; abort leaves the old file. */
  am_atomic_t a;
  CHECK(am_atomic_begin(&a, path, &d) == 0 && a.fd >= 0, "%s", d.msg);
  CHECK(am_write_all(a.fd, "partial", 7) == 0, "write_all");
  CHECK(am_file_read(path, 64, &text, &len, &d) == 0 && strcmp(text, "new contents\n") == 0, "visible before commit");
  free(text);
  am_atomic_abort(&a);
  CHECK(temp_files(dir) == 0, "abort left its temp file");
  CHECK(am_atomic_begin(&a, path, &d) == 0 && am_write_all(a.fd, "streamed", 8) == 0 && am_atomic_commit(&a, &d) == 0,
        "%s", d.msg);
  CHECK(am_file_read(path, 64, &text, &len, &d) == 0 && strcmp(text, "streamed") == 0, "commit");
  free(text);
  CHECK(temp_files(dir) == 0, "commit left its temp file");

  unlink(path);
  unlink(text_path);
  rmdir(sub);
  rmdir(dir);
  if (failures) fprintf(stderr, "test_json_io: %d failures\n", failures);
  return failures ? 1 : 0;
}
