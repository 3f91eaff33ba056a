/* tests/pagepool/dropin_prog.c — a 4-thread C program for the drop-in test.
 * Each thread builds and frees many small strings and linked nodes, passes half of its
 * nodes to the next thread through a locked queue (freed there: cross-thread frees),
 * reallocs a growing buffer and uses calloc/posix_memalign. Output is deterministic
 * (per-thread checksums), so a run under LD_PRELOAD=libpagepool.so must print the same.
 * Also: allocation before main (a constructor), in thread-specific-data destructors that run
 * after pagepool's own (the thread's heap is gone by then), and fork() while the worker
 * threads allocate (the child allocates, then exits with a checked status).
 * With PP_EXPECT_PAGEPOOL=1 it also checks, through dlsym("pp_owns"), that its blocks
 * really come from pagepool (exit 3 if not). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define ITEMS 50000

typedef struct node_s { struct node_s *next; unsigned long v; char name[24]; } node_t;

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static node_t *queue[THREADS];
static unsigned long sums[THREADS];
static int (*owns)(const void *);
static int owns_failed;
static char *early;
static pthread_key_t late_key;

__attribute__((constructor)) static void before_main(void) {
  early = malloc(100);
  snprintf(early, 100, "allocated before main");
}

/* Runs at thread exit, after pagepool's key destructor (created later): allocates anew. */
static void late_destructor(void *v) {
  char *s = malloc(64);
  snprintf(s, 64, "%s", (char *)v);
  free(v);
  void *big = realloc(s, 10000);
  free(big);
}

static void *run(void *arg) {
  int id = (int)(intptr_t)arg;
  unsigned long sum = 0, x = 12345u + (unsigned long)id;
  pthread_setspecific(late_key, strdup("bye"));
  char *buf = NULL;
  size_t len = 0;
  for (int i = 0; i < ITEMS; i++) {
    x = x * 6364136223846793005ul + 1442695040888963407ul;
    node_t *n = malloc(sizeof *n);
    if (owns != NULL && !owns(n)) owns_failed = 1;
    n->v = x >> 33;
    snprintf(n->name, sizeof n->name, "t%d-%d", id, i);
    char *s = strdup(n->name);
    sum += strlen(s) + n->v % 1000;
    free(s);
    if (i % 2 == 0) {
      pthread_mutex_lock(&qlock);
      n->next = queue[(id + 1) % THREADS];
      queue[(id + 1) % THREADS] = n;
      pthread_mutex_unlock(&qlock);
    } else {
      free(n);
    }
    if (i % 100 == 0) {
      pthread_mutex_lock(&qlock);
      node_t *mine = queue[id];
      queue[id] = NULL;
      pthread_mutex_unlock(&qlock);
      while (mine) {
        node_t *nx = mine->next;
        sum += mine->v % 7;
        free(mine);
        mine = nx;
      }
      buf = realloc(buf, len + 64);
      memset(buf + len, id, 64);
      len += 64;
      unsigned *c = calloc(32, sizeof *c);
      for (int k = 0; k < 32; k++) sum += c[k];
      free(c);
      void *al = NULL;
      if (posix_memalign(&al, 64, 200) == 0) {
        sum += ((uintptr_t)al % 64);
        free(al);
      }
    }
  }
  for (size_t k = 0; k < len; k++) sum += (unsigned char)buf[k];
  free(buf);
  sums[id] = sum;
  return NULL;
}

int main(void) {
  if (getenv("PP_EXPECT_PAGEPOOL") != NULL) {
    *(void **)&owns = dlsym(RTLD_DEFAULT, "pp_owns");
    if (owns == NULL) {
      fprintf(stderr, "dropin_prog: pp_owns not found: pagepool is not loaded\n");
      return 3;
    }
  }
  pthread_key_create(&late_key, late_destructor);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, run, (void *)(intptr_t)i);
  int forks_ok = 0;
  for (int f = 0; f < 20; f++) { /* fork while the workers allocate */
    pid_t pid = fork();
    if (pid == 0) {
      unsigned long s = 0, want = 0;
      for (int i = 0; i < 1000; i++) {
        want += (unsigned)i & 255u;
        char *p = malloc((size_t)(i % 300) + 1);
        p[0] = (char)i;
        s += (unsigned char)p[0];
        free(p);
      }
      _exit(s == want ? 0 : 1);
    }
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) forks_ok++;
  }
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  printf("%s; %d of 20 forked children ok\n", early, forks_ok);
  free(early);
  for (int i = 0; i < THREADS; i++) {
    node_t *n = queue[i];
    while (n) { node_t *nx = n->next; sums[i] += n->v % 7; free(n); n = nx; }
    printf("thread %d: checksum %lu\n", i, sums[i]);
  }
  if (owns_failed) {
    fprintf(stderr, "dropin_prog: a block did not come from pagepool\n");
    return 3;
  }
  return 0;
}
