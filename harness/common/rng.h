/* harness/common/rng.h — the generator's random numbers: a fixed, documented algorithm,
 * so that a (pattern, threads, seed, quick) tuple gives the same streams everywhere.
 *
 * Algorithm (also in patterns/README.md, "Random numbers"):
 *   - splitmix64 (Steele, Lea, Flood 2014) expands a 64-bit value into state words;
 *   - xoshiro256** 1.0 (Blackman, Vigna 2018) is the per-thread generator.
 *   Thread t's state: x = seed XOR (0x9E3779B97F4A7C15 * (t + 1)); s[0..3] = the next four
 *   splitmix64 outputs from x. Nothing here calls libc rand().
 *   - uniform double in [0,1): top 53 bits of the next output times 2^-53;
 *   - integer in [0,n): Lemire's multiply-shift with rejection (unbiased);
 *   - standard normal: Box-Muller, one value per call (two outputs consumed).
 * All helpers are inline: they sit on the generator's per-op path.
 */
#ifndef AM_RNG_H
#define AM_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct am_rng_s {
  uint64_t s[4];
} am_rng_t;

/* splitmix64: advances *x and returns the next output. */
static inline uint64_t am_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Seed the generator of thread `stream` (0-based) from the workload seed. */
static inline void am_rng_seed(am_rng_t *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (stream + 1));
  for (int i = 0; i < 4; i++) r->s[i] = am_splitmix64(&x);
}

static inline uint64_t am_rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256**: the next 64 random bits. */
static inline uint64_t am_rng_next(am_rng_t *r) {
  uint64_t *s = r->s;
  uint64_t result = am_rotl64(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = am_rotl64(s[3], 45);
  return result;
}

/* Uniform in [0, 1). */
static inline double am_rng_double(am_rng_t *r) {
  return (double)(am_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1]: for logarithms. */
static inline double am_rng_double_pos(am_rng_t *r) {
  return (double)((am_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

__extension__ typedef unsigned __int128 am_u128_t;

/* Uniform integer in [0, n); n == 0 returns 0. Lemire's method, unbiased. */
static inline uint64_t am_rng_below(am_rng_t *r, uint64_t n) {
  if (n == 0) return 0;
  am_u128_t m = (am_u128_t)am_rng_next(r) * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = (am_u128_t)am_rng_next(r) * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* Uniform integer in [lo, hi] (inclusive). */
static inline uint64_t am_rng_range(am_rng_t *r, uint64_t lo, uint64_t hi) {
  if (hi - lo == UINT64_MAX) return am_rng_next(r);
  return lo + am_rng_below(r, hi - lo + 1);
}

/* Standard normal N(0, 1), Box-Muller (cosine branch only). */
static inline double am_rng_normal(am_rng_t *r) {
  double u1 = am_rng_double_pos(r), u2 = am_rng_double(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}

#endif /* AM_RNG_H */
