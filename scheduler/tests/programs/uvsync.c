/*
 * uvsync.c - libuv's threads and synchronisation calls under the
 * scheduler (libuv linked statically, so that --wrap reaches the pthread
 * calls they make): uv_thread_create/join, uv_mutex (held across a
 * sleep), uv_cond (timed wait on the monotonic clock), uv_sem, uv_rwlock,
 * uv_barrier and uv_once.  Exits 0 when every result is libuv's own.
 */
#include <assert.h>
#include <uv.h>

static uv_mutex_t mutex;
static uv_cond_t cond;
static uv_sem_t sem;
static uv_rwlock_t rw;
static uv_barrier_t barrier;
static uv_once_t once = UV_ONCE_INIT;
static int counter, inits, serial, ready;

static void init_once(void)
{
    uv_sleep(1);
    inits++;
}

static void worker(void *arg)
{
    (void)arg;
    uv_once(&once, init_once);
    assert(inits == 1);
    for (int i = 0; i < 3; i++) {
        uv_mutex_lock(&mutex);
        int seen = counter;
        uv_sleep(1);
        counter = seen + 1;
        uv_mutex_unlock(&mutex);
    }
    uv_rwlock_rdlock(&rw);
    uv_sleep(1);
    uv_rwlock_rdunlock(&rw);
    if (uv_barrier_wait(&barrier) > 0)
        __atomic_add_fetch(&serial, 1, __ATOMIC_SEQ_CST);
    uv_sem_post(&sem);
    uv_mutex_lock(&mutex);
    ready++;
    uv_cond_signal(&cond);
    uv_mutex_unlock(&mutex);
}

int main(void)
{
    uv_thread_t t[2];
    uint64_t start;

    assert(uv_mutex_init(&mutex) == 0);
    assert(uv_cond_init(&cond) == 0);
    assert(uv_sem_init(&sem, 0) == 0);
    assert(uv_rwlock_init(&rw) == 0);
    assert(uv_barrier_init(&barrier, 3) == 0);
    for (int i = 0; i < 2; i++)
        assert(uv_thread_create(&t[i], worker, NULL) == 0);
    uv_once(&once, init_once);
    if (uv_barrier_wait(&barrier) > 0)
        __atomic_add_fetch(&serial, 1, __ATOMIC_SEQ_CST);
    uv_sem_wait(&sem);
    uv_sem_wait(&sem);
    assert(uv_sem_trywait(&sem) == UV_EAGAIN);
    uv_mutex_lock(&mutex);
    while (ready < 2)
        uv_cond_wait(&cond, &mutex);
    start = uv_hrtime();
    while (uv_hrtime() - start < 2000000000)    /* a wake-up may come early */
        if (uv_cond_timedwait(&cond, &mutex, 2000000000 - (uv_hrtime() - start)) == UV_ETIMEDOUT)
            break;
    assert(uv_hrtime() - start >= 2000000000);
    uv_mutex_unlock(&mutex);
    for (int i = 0; i < 2; i++)
        assert(uv_thread_join(&t[i]) == 0);
    assert(counter == 6 && inits == 1 && serial == 1);
    uv_barrier_destroy(&barrier);
    uv_rwlock_destroy(&rw);
    uv_sem_destroy(&sem);
    uv_cond_destroy(&cond);
    uv_mutex_destroy(&mutex);
    return 0;
}
