#define _GNU_SOURCE
#include "cmapguard.h"
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

enum { SLOTS = 64 };
/* A slot is in use while its base is non-zero; the handler reads base and length, registration writes them under
   the mutex (length before base, so a visible base always has its length). */
static _Atomic uintptr_t slot_base[SLOTS];
static _Atomic size_t slot_length[SLOTS];
static _Atomic int64_t slot_first_lost[SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static struct sigaction previous_action;
static uintptr_t page_size = 4096;

/* Async-signal context: only atomics, mmap and sigaction. */
static void on_sigbus(int sig, siginfo_t *info, void *context) {
    (void)sig;
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t base = atomic_load(&slot_base[i]);
        if (base == 0) continue;
        size_t length = atomic_load(&slot_length[i]);
        if (address < base || address - base >= length) continue;
        uintptr_t page = address & ~(page_size - 1);
        if (page < base) page = base;
        /* A private zero page over the lost one: the faulting read is retried and reads zeros. */
        void *p = mmap((void *)page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p == MAP_FAILED) break;
        int64_t offset = (int64_t)(page - base);
        int64_t seen = atomic_load(&slot_first_lost[i]);
        while ((seen < 0 || offset < seen) && !atomic_compare_exchange_weak(&slot_first_lost[i], &seen, offset)) {}
        return;
    }
    /* Not a guarded mapping: a real fault. Put the previous disposition back and return, so that the faulting
       instruction runs again and faults into it (the default: the process ends with a core, as before). */
    sigaction(SIGBUS, &previous_action, NULL);
}

static void install(void) {
    long size = sysconf(_SC_PAGESIZE);
    if (size > 0) page_size = (uintptr_t)size;
    for (int i = 0; i < SLOTS; i++) atomic_store(&slot_first_lost[i], -1);
    struct sigaction action = {0};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &previous_action);
}

int cmapguard_register(const void *base, size_t length) {
    if (base == NULL || length == 0) return -1;
    pthread_once(&install_once, install);
    pthread_mutex_lock(&slots_lock);
    int slot = -1;
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&slot_base[i]) != 0) continue;
        atomic_store(&slot_first_lost[i], -1);
        atomic_store(&slot_length[i], length);
        atomic_store(&slot_base[i], (uintptr_t)base);
        slot = i;
        break;
    }
    pthread_mutex_unlock(&slots_lock);
    return slot;
}

int64_t cmapguard_first_lost(int slot) {
    if (slot < 0 || slot >= SLOTS) return -1;
    return atomic_load(&slot_first_lost[slot]);
}

void cmapguard_unregister(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    pthread_mutex_lock(&slots_lock);
    atomic_store(&slot_base[slot], 0);
    atomic_store(&slot_length[slot], 0);
    pthread_mutex_unlock(&slots_lock);
}
