// An experiment, not part of the bench (docs/performance.md, "The floor in a quiet hour"). Build and run:
//   gcc -O2 -o atomics-cost atomics-cost.c && taskset -c 0 ./atomics-cost
// What the atomic operations on ws101's message path could cost: about 13 per echoed message (descriptor use around
// each socket call, the read and write epochs, the read wait, the receive flag, the send lock taken twice). Times 13
// lock-prefixed adds on distinct fields, alone and right after a system call (getppid), against the system call alone.
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

// Each on its own cache line, as the fields of several objects would be.
static volatile long fields[13][8];

int main(void)
{
    const int n = 2000000;
    for (int round = 0; round < 3; round++) {
        double t0 = now();
        for (int i = 0; i < n; i++) syscall(SYS_getppid);
        double t1 = now();
        for (int i = 0; i < n; i++) {
            syscall(SYS_getppid);
            for (int k = 0; k < 13; k++) __atomic_fetch_add(&fields[k][0], 1, __ATOMIC_SEQ_CST);
        }
        double t2 = now();
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 13; k++) __atomic_fetch_add(&fields[k][0], 1, __ATOMIC_SEQ_CST);
        double t3 = now();
        printf("system call %.1f ns; 13 atomics after it: %.1f ns more; 13 atomics alone: %.1f ns\n",
               (t1 - t0) / n * 1e9, ((t2 - t1) - (t1 - t0)) / n * 1e9, (t3 - t2) / n * 1e9);
    }
    return 0;
}
