/* bench/common/proc_cpu.h - the CPU a process has used, for the bench's C load generators (bench/server/tlsload.c,
 * bench/topics/loadclient.c), which report the server's CPU beside their own figures. Header-only, so that each tool
 * stays one gcc line. */
#ifndef WS101_BENCH_PROC_CPU_H
#define WS101_BENCH_PROC_CPU_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* User and system time of process PID in clock ticks (divide by sysconf(_SC_CLK_TCK) for seconds): fields 14 and 15
 * of /proc/PID/stat, counted after the ')' that closes the command name (which may itself hold spaces or ')').
 * Returns 0, or -1 (and 0 ticks) when the process or its fields cannot be read. */
static inline int proc_cpu_ticks(const char *pid, unsigned long *user, unsigned long *sys) {
    *user = *sys = 0;
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    int field = 2;
    for (char *save = NULL, *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 14) *user = strtoul(tok, NULL, 10);
        if (field == 15) {
            *sys = strtoul(tok, NULL, 10);
            return 0;
        }
    }
    *user = 0;
    return -1;
}
#endif
