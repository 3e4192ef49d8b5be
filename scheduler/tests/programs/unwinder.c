/*
 * unwinder.c - glibc's unwinder is loaded before the schedule starts
 * (forkserver.c, load_unwinder), so that no schedule loads it again when
 * its first thread ends.  Exits 0 when libgcc_s is mapped as main begins,
 * 3 when it is not.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *nothing(void *arg)
{
    return arg;
}

int main(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    int loaded = 0;
    pthread_t thread;

    while (maps && fgets(line, sizeof line, maps))
        loaded |= strstr(line, "/libgcc_s.so") != NULL;
    if (maps)
        fclose(maps);
    pthread_create(&thread, NULL, nothing, NULL);   /* a thread that ends */
    pthread_join(thread, NULL);
    return loaded ? 0 : 3;
}
