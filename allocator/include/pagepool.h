/* pagepool.h — public API of pagepool, allocmark's own page/pool allocator.
 *
 * A context owns pages; a page holds PP_POOLS_PER_PAGE pools of 4 KiB; a pool serves
 * one size class. Requests <= 4096 B come from pool free lists; larger ones take the
 * large path. A red-black tree of pages answers "which page owns this pointer".
 * See allocator/README.md for the design, the knobs and the dump format.
 *
 * Two builds: libpagepool.a / libpagepool.so export only the pp_* names below;
 * the drop-in build/libpagepool.so (LD_PRELOAD) also exports malloc, free, ...
 */
#ifndef PAGEPOOL_H
#define PAGEPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PP_VERSION_MAJOR 1
#define PP_VERSION_MINOR 0
#define PP_VERSION_PATCH 0

/* Error codes (libuv style: negative, listed once; pp_strerror names them). */
#define PP_ERRNO_MAP(X)                                             \
  X(PP_EINVAL, -1, "invalid argument")                              \
  X(PP_ENOMEM, -2, "out of memory")                                 \
  X(PP_EBUSY,  -3, "allocator already started; knobs are fixed")    \
  X(PP_ECORRUPT, -4, "heap invariant violated")
enum {
#define PP_ERR_ENUM(name, val, msg) name = val,
  PP_ERRNO_MAP(PP_ERR_ENUM)
#undef PP_ERR_ENUM
  PP_OK = 0
};
const char *pp_strerror(int err);

/* --- allocation ---------------------------------------------------------- */
void  *pp_malloc(size_t size);
void   pp_free(void *p);
void  *pp_calloc(size_t n, size_t size);           /* overflow -> NULL, errno ENOMEM */
void  *pp_realloc(void *p, size_t size);
void  *pp_aligned_alloc(size_t align, size_t size); /* align: power of two          */
size_t pp_usable_size(const void *p);
void   pp_free_sized(void *p, size_t size);
int    pp_owns(const void *p);                      /* 1 if p is a block of one of
                                                      pagepool's pools (large blocks,
                                                      from the system heap: 0)     */

/* --- knobs (also from PAGEPOOL_* environment variables at first use) ------ */
typedef enum pp_class_spacing_e { PP_CLASSES_POW2 = 0, PP_CLASSES_FINE = 1, PP_CLASSES_FIT = 2 } pp_class_spacing_t;
typedef enum pp_lookup_e { PP_LOOKUP_FAST = 0, PP_LOOKUP_TREE = 1 } pp_lookup_t;
typedef enum pp_large_e { PP_LARGE_OWN = 0, PP_LARGE_SYSTEM = 1 } pp_large_source_t;
typedef struct pp_config_s {
  pp_class_spacing_t spacing; /* PAGEPOOL_CLASSES=fit|fine|pow2        */
  unsigned pools_per_page;    /* PAGEPOOL_POOLS=N (power of two, 8..64)*/
  int return_to_os;           /* PAGEPOOL_RETURN=0|1                   */
  pp_lookup_t lookup;         /* PAGEPOOL_LOOKUP=fast|tree             */
  int track_sites;            /* PAGEPOOL_SITES=0|1 call-site tracking */
  pp_large_source_t large;    /* PAGEPOOL_LARGE=own|system: blocks > 4 KiB */
} pp_config_t;
int         pp_configure(const pp_config_t *cfg); /* before the first allocation */
void        pp_get_config(pp_config_t *out);
const char *pp_config_string(void);               /* "classes=fit pools=64 ..."   */
const char *pp_version(void);                     /* "1.0.0"                      */

/* --- introspection -------------------------------------------------------- */
typedef struct pp_stats_s {
  uint64_t allocated_bytes; /* bytes in live blocks (class sizes + large)   */
  uint64_t active_bytes;    /* bytes of pools that hold a live block         */
  uint64_t mapped_bytes;    /* bytes mapped from the OS                      */
  uint64_t pages;           /* pages in the tree                             */
  uint64_t free_pages;      /* pages on the free-page list                   */
  uint64_t large_blocks;    /* live blocks on the large path                 */
  uint64_t large_bytes;     /* bytes requested by live large blocks          */
  uint64_t released_bytes;  /* bytes of free pages given back to the OS      */
  uint64_t heaps;           /* heaps made (one per thread that allocated)    */
} pp_stats_t;
int  pp_stats(pp_stats_t *out);
void pp_leak_report(FILE *out);   /* live blocks by class; top sites when tracking */
int  pp_dump_json(FILE *out);     /* page/pool map, documented in allocator/README.md */
void pp_dump_tree(FILE *out);     /* text dump of the red-black tree               */
int  pp_check(void);              /* 0, or PP_ECORRUPT with a message on stderr    */

#ifdef __cplusplus
}
#endif
#endif /* PAGEPOOL_H */
