// Preloaded (LD_PRELOAD) into the gateway only while `bench/run.sh` counts its instructions
// under valgrind's callgrind; never part of a build or a deployment.
//
// An `async` Swift main hands its main queue to libdispatch's `dispatch_main()`, which lets
// other threads drain that queue and ends the main thread with `pthread_exit`. valgrind 3.19
// (Debian 12's) then dies at the next thread the process starts ("the 'impossible' happened",
// SIGSEGV in `clone`). This `dispatch_main` keeps the main thread and drains the main queue on
// it, as CoreFoundation's run loop does on Linux: it waits on the queue's eventfd and runs what
// was enqueued. Swift code sees no difference: its main-actor jobs still run one at a time.
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

// libdispatch's hooks for a run loop that drains the main queue (dispatch/private/queue_private.h).
extern int _dispatch_get_main_queue_handle_4CF(void);
extern void _dispatch_main_queue_callback_4CF(void *message);

void dispatch_main(void) {
    int handle = _dispatch_get_main_queue_handle_4CF();
    for (;;) {
        struct pollfd ready = {.fd = handle, .events = POLLIN};
        if (poll(&ready, 1, -1) <= 0) continue;  // interrupted by a signal: wait again
        uint64_t pokes;
        // Reading the eventfd resets it; a poke that lands after the read wakes the next poll.
        (void)read(handle, &pokes, sizeof pokes);
        _dispatch_main_queue_callback_4CF(NULL);
    }
}
