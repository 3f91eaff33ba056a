/* tests/programs/test_tau.c — Kendall's tau-b of `allocmark validate` (validate_table.c)
 * on hand-computed cases: identical and reversed orders, one swap, ties, NaN pairs. */
#include <math.h>
#include <stdio.h>
#include "validate.h"

static int fails;
static void expect(const char *what, double got, double want) {
  int ok = isnan(want) ? isnan(got) : fabs(got - want) < 1e-12;
  if (!ok) { printf("FAIL %s: got %.15g, want %.15g\n", what, got, want); fails++; }
}

int main(void) {
  double a[] = {1, 2, 3, 4, 5}, rev[] = {5, 4, 3, 2, 1}, swap[] = {2, 1, 3, 4, 5};
  expect("same order", am_kendall_tau(a, a, 5), 1);
  expect("reversed", am_kendall_tau(a, rev, 5), -1);
  expect("one swap of 10 pairs", am_kendall_tau(a, swap, 5), 0.8); /* (9 - 1) / 10 */
  double t[] = {1, 1, 2}, u[] = {1, 2, 3};
  /* pairs: (0,1) tied in x only, (0,2) and (1,2) concordant: 2 / sqrt(2 * 3) */
  expect("tie in x", am_kendall_tau(t, u, 3), 2 / sqrt(6.0));
  double n1[] = {1, NAN, 3, 4}, n2[] = {2, 5, 1, 0};
  /* pairs without NaN: (0,2) (0,3) (2,3): all discordant */
  expect("NaN dropped", am_kendall_tau(n1, n2, 4), -1);
  expect("one pair only", am_kendall_tau(a, a, 1), NAN);
  double c[] = {3, 3, 3};
  expect("all tied", am_kendall_tau(c, u, 3), NAN);
  if (fails == 0) printf("kendall tau: all cases pass\n");
  return fails != 0;
}
