/*
 * ends.c - ends as $HOW says: "crash" (SIGSEGV), "exit" (status 3),
 * "spin" (a loop on plain memory, no scheduling point), else 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int flag;

static void *spin(void *arg)
{
    (void)arg;
    while (!flag)
        continue;
    return NULL;
}

int main(void)
{
    const char *how = getenv("HOW");
    pthread_t t;

    printf("ends: %s\n", how ? how : "normally");
    if (how && strcmp(how, "crash") == 0)
        raise(SIGSEGV);
    if (how && strcmp(how, "exit") == 0)
        exit(3);
    if (how && strcmp(how, "spin") == 0) {
        pthread_create(&t, NULL, spin, NULL);
        pthread_join(t, NULL);
    }
    return 0;
}
