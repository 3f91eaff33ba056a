/* harness/progrun/progrun_bind.c — proof that the backend was in effect inside the
 * program: the dynamic linker's own record (LD_DEBUG=bindings, one file per process,
 * LD_DEBUG_OUTPUT=<prefix>.<pid>) of which object each allocation symbol of each
 * object was bound to. A program that links its own allocator (Debian's redis-server
 * links libjemalloc.so.2) shows up here as malloc bound to that library. */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cJSON.h>
#include "progrun.h"

/* The malloc family: must bind to the backend. */
static const char *const family[] = {"malloc", "calloc", "realloc", "free", "cfree", "reallocarray", "memalign",
                                     "posix_memalign", "aligned_alloc", "valloc", "pvalloc", "malloc_usable_size",
                                     "free_sized", "free_aligned_sized", NULL};
/* Other allocators' own allocating entry points (the *allocx family). */
static const char *const foreign_alloc[] = {"mallocx", "rallocx", "xallocx", "dallocx", "sdallocx", NULL};
/* Other allocators' control and query entry points: noted, not fatal. */
static const char *const foreign_ctl[] = {"mallctl", "mallctlnametomib", "mallctlbymib", "malloc_stats_print",
                                          "nallocx", "sallocx", "malloc_trim", "mallinfo", "mallinfo2", "mallopt", NULL};

static int in(const char *const *set, const char *s) {
  for (size_t i = 0; set[i]; i++) if (strcmp(set[i], s) == 0) return 1;
  return 0;
}

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return strcmp(a, b) == 0;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Kind of a symbol: 0 not an allocation symbol, 1 malloc family, 2 operator new/delete,
 * 3 another allocator's allocating entry point, 4 another allocator's control API. */
static int kind_of(const char *sym) {
  if (in(family, sym)) return 1;
  if (strncmp(sym, "_Znw", 4) == 0 || strncmp(sym, "_Zna", 4) == 0 || strncmp(sym, "_ZdlPv", 6) == 0 ||
      strncmp(sym, "_ZdaPv", 6) == 0) return 2;
  if (in(foreign_alloc, sym)) return 3;
  const char *rest = NULL;
  if (strncmp(sym, "je_", 3) == 0 || strncmp(sym, "mi_", 3) == 0 || strncmp(sym, "tc_", 3) == 0) rest = sym + 3;
  if (rest != NULL) return in(family, rest) || in(foreign_alloc, rest) ? 3 : 4;
  if (in(foreign_ctl, sym)) return 4;
  return 0;
}

/* 1 when the ELF shared object at path defines sym in its dynamic symbol table (read
 * from the file: nothing is loaded). Unreadable or not ELF64: 1, so the binding counts. */
static int defines(const char *path, const char *sym) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) return 1;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) { close(fd); return 1; }
  size_t sz = (size_t)st.st_size;
  const unsigned char *m = mmap(NULL, sz, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return 1;
  int yes = 1;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
      eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) <= sz) {
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(m + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
      if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum) continue;
      const Elf64_Shdr *strs = &sh[sh[i].sh_link];
      if (sh[i].sh_offset + sh[i].sh_size > sz || strs->sh_offset + strs->sh_size > sz) break;
      const Elf64_Sym *sy = (const Elf64_Sym *)(m + sh[i].sh_offset);
      size_t n = sh[i].sh_size / sizeof *sy;
      yes = 0;
      for (size_t k = 0; k < n && !yes; k++)
        if (sy[k].st_shndx != SHN_UNDEF && sy[k].st_name < strs->sh_size &&
            strcmp((const char *)m + strs->sh_offset + sy[k].st_name, sym) == 0) yes = 1;
      break;
    }
  }
  munmap((void *)m, sz);
  return yes;
}

/* 1 when the object defines malloc itself (an allocator). Names without a '/' (the
 * main program as it was invoked) are looked up on PATH. Cached. */
static int is_allocator(const char *obj) {
  static char seen[64][512];
  static int verdict[64];
  static size_t n;
  for (size_t i = 0; i < n; i++) if (strcmp(seen[i], obj) == 0) return verdict[i];
  char path[4096];
  snprintf(path, sizeof path, "%s", obj);
  if (strchr(obj, '/') == NULL) {
    const char *pe = getenv("PATH");
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", pe ? pe : "/usr/bin:/bin");
    for (char *sv = NULL, *d = strtok_r(copy, ":", &sv); d; d = strtok_r(NULL, ":", &sv)) {
      snprintf(path, sizeof path, "%s/%s", d, obj);
      if (access(path, R_OK) == 0) break;
    }
  }
  int v = defines(path, "malloc");
  if (n < 64 && strlen(obj) < sizeof seen[n]) { snprintf(seen[n], sizeof seen[n], "%.511s", obj); verdict[n++] = v; }
  return v;
}

static void count_target(cJSON *targets, const char *dst) {
  cJSON *c = cJSON_GetObjectItemCaseSensitive(targets, dst);
  if (c == NULL) cJSON_AddNumberToObject(targets, dst, 1);
  else cJSON_SetNumberValue(c, c->valuedouble + 1);
}

static void note(cJSON *arr, const char *sym, const char *src, const char *dst) {
  char line[1200];
  snprintf(line, sizeof line, "%s: %s -> %s", src, sym, dst);
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) if (strcmp(e->valuestring, line) == 0) return;
  if (cJSON_GetArraySize(arr) < 32) cJSON_AddItemToArray(arr, cJSON_CreateString(line));
}

/* One LD_DEBUG output file. */
static void scan_file(const char *path, const char *expect, cJSON *targets, cJSON *foreign, cJSON *ctl,
                      cJSON *gaps, size_t *family_bound, size_t *bad) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return;
  char line[4096], src[1024], dst[1024], sym[256];
  while (fgets(line, sizeof line, f) != NULL) {
    const char *b = strstr(line, "binding file ");
    if (b == NULL) continue;
    const char *to = strstr(b, " to "), *s = strstr(b, "symbol `");
    if (to == NULL || s == NULL) continue;
    const char *se = strchr(s + 8, '\'');
    const char *sb = strstr(b + 13, " [");
    const char *db = strstr(to + 4, " [");
    if (se == NULL || sb == NULL || db == NULL || sb > to) continue;
    snprintf(src, sizeof src, "%.*s", (int)(sb - (b + 13)), b + 13);
    snprintf(dst, sizeof dst, "%.*s", (int)(db - (to + 4)), to + 4);
    snprintf(sym, sizeof sym, "%.*s", (int)(se - (s + 8)), s + 8);
    int k = kind_of(sym);
    if (k == 0) continue;
    /* Bound elsewhere is fine when the target is no allocator — it defines no malloc of
     * its own: libstdc++'s operator new, libbsd's reallocarray, an executable's
     * canonical PLT stub (cc1's `free`) all call the malloc that is in effect. */
    /* The backend's own fallback to glibc (a proxy library that frees what glibc
     * allocated before it was loaded) is its business, not a leak of the program's allocations. */
    int ok = same_file(dst, expect) || !is_allocator(dst) || (same_file(src, expect) && strstr(dst, "/libc.so") != NULL);
    if (k == 1 || k == 2) count_target(targets, dst);
    if (k == 1 && same_file(dst, expect)) (*family_bound)++;
    if (ok) continue;
    if (k == 4) note(ctl, sym, src, dst);
    else if (k == 1 && strstr(dst, "/libc.so") != NULL && !defines(expect, sym)) note(gaps, sym, src, dst);
    else { note(foreign, sym, src, dst); (*bad)++; }
  }
  fclose(f);
}

cJSON *am_bindings_check(const char *prefix, const char *expect, int *in_effect, char *why, size_t why_cap) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "method", "LD_DEBUG=bindings (the dynamic linker's record of each symbol binding)");
  cJSON_AddStringToObject(o, "expected", expect);
  cJSON *targets = cJSON_AddObjectToObject(o, "allocation_symbols_bound_to");
  cJSON *foreign = cJSON_AddArrayToObject(o, "foreign_allocation_bindings");
  cJSON *ctl = cJSON_AddArrayToObject(o, "foreign_control_bindings");
  /* malloc-family symbols the backend does not define at all (several allocators'
   * libraries have no reallocarray): bound to glibc, as in any LD_PRELOAD use of that
   * backend; recorded, not fatal. */
  cJSON *gaps = cJSON_AddArrayToObject(o, "backend_gaps");
  char dir[PATH_MAX], base[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", prefix);
  char *slash = strrchr(dir, '/');
  snprintf(base, sizeof base, "%.4000s.", slash ? slash + 1 : dir);
  if (slash) *slash = '\0'; else snprintf(dir, sizeof dir, ".");
  size_t procs = 0, family_bound = 0, bad = 0;
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    if (strncmp(e->d_name, base, strlen(base)) != 0) continue;
    char p[PATH_MAX + 300];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    procs++;
    scan_file(p, expect, targets, foreign, ctl, gaps, &family_bound, &bad);
  }
  if (d) closedir(d);
  cJSON_AddNumberToObject(o, "processes", (double)procs);
  cJSON_AddNumberToObject(o, "malloc_family_bindings_to_expected", (double)family_bound);
  *in_effect = procs > 0 && family_bound > 0 && bad == 0;
  if (procs == 0) snprintf(why, why_cap, "no LD_DEBUG output: the program ran no dynamically linked process");
  else if (bad) snprintf(why, why_cap, "allocation symbols bound outside %s: %s", expect,
                         cJSON_GetArrayItem(foreign, 0)->valuestring);
  else if (family_bound == 0) snprintf(why, why_cap, "no malloc-family symbol was bound to %s", expect);
  else why[0] = '\0';
  cJSON_AddBoolToObject(o, "in_effect", *in_effect);
  return o;
}
