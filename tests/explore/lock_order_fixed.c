/*
 * lock_order_fixed.c - lock_order.c fixed: both threads take A before B,
 * so no thread can hold B while waiting for A.
 *
 * Expect: pass
 */
#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static int moved;

static void *a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);
    moved++;
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;

    pthread_create(&t1, NULL, a_then_b, NULL);
    pthread_create(&t2, NULL, a_then_b, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return moved == 2 ? 0 : 1;
}
