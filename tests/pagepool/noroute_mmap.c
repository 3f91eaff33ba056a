/* tests/pagepool/noroute_mmap.c — linked into test_pp_mt_noroute only: an mmap that fails
 * pagepool's route-table mapping, so the test can check what pagepool does without it.
 *
 * pagepool maps, at start-up, the region (PROT_NONE), then two read-write MAP_NORESERVE
 * tables: the side table (page of each 256 KiB), then the route table (bin of each pool).
 * This definition takes the place of libc's for the whole executable (pagepool_static is
 * linked into it) and fails the second read-write MAP_NORESERVE request with ENOMEM;
 * every other request goes to the system call. test_mt's `noroute` mode then checks that
 * pagepool fell back to tree lookups (pp_config_string shows lookup=tree) and runs its
 * stress on them. Not for sanitizer builds, whose runtimes map memory of their own. */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  static atomic_int tables;
  if ((flags & MAP_NORESERVE) && prot == (PROT_READ | PROT_WRITE) &&
      atomic_fetch_add(&tables, 1) == 1) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
