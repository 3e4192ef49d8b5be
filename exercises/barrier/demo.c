/*
 * demo.c - your event and barrier at work: a cellular automaton computed
 * in steps by 4 threads.
 *
 *     make demo EX=barrier
 *
 * A row of 64 cells evolves by rule 90 (a cell is alive in the next step
 * when exactly one of its two neighbours is alive now); from one live
 * cell it draws a Sierpinski triangle.  Each worker thread computes 16
 * cells of the next row; the barrier makes every worker finish step k
 * before any starts step k + 1, and its action (run once per step, by
 * the last worker to arrive, before any is released) prints the new row
 * and swaps the rows.  The workers wait on an event until main says "go".
 * With a wrong barrier the triangle comes out torn, or the demo stops.
 */
#include "barrier.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WIDTH 64
#define WORKERS 4
#define STEPS 32

static bool rows[2][WIDTH];
static bool *now = rows[0], *next = rows[1];
static event *go;
static barrier *step_done;

static void print_row(const bool *row)
{
    char line[WIDTH + 1];

    for (int i = 0; i < WIDTH; i++)
        line[i] = row[i] ? '#' : ' ';
    line[WIDTH] = '\0';
    printf("|%s|\n", line);
}

/* The barrier's action: prints the new row and makes it the current one. */
static int print_and_swap(void *arg)
{
    bool *old = now;

    (void)arg;
    print_row(next);
    now = next;
    next = old;
    return 0;
}

static void *worker(void *arg)
{
    int first = (int)(long)arg * (WIDTH / WORKERS);

    if (event_wait(go, -1) != 0)
        return NULL;
    for (int step = 0; step < STEPS; step++) {
        for (int i = first; i < first + WIDTH / WORKERS; i++)
            next[i] = (i > 0 && now[i - 1]) != (i + 1 < WIDTH && now[i + 1]);
        if (barrier_wait(step_done, 5.0, NULL) != 0) {
            fprintf(stderr, "demo: barrier_wait failed in step %d\n", step);
            return NULL;
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[WORKERS];

    go = event_create();
    step_done = barrier_create(WORKERS, print_and_swap, NULL);
    if (!go || !step_done) {
        fprintf(stderr, "demo: event_create or barrier_create failed (%s): fill in barrier.c first\n",
                strerror(errno));
        return 1;
    }
    now[WIDTH / 2] = true;
    print_row(now);
    for (long w = 0; w < WORKERS; w++)
        pthread_create(&threads[w], NULL, worker, (void *)w);
    event_set(go);
    for (int w = 0; w < WORKERS; w++)
        pthread_join(threads[w], NULL);
    event_destroy(go);
    barrier_destroy(step_done);
    return 0;
}
