/* Process controls Swift cannot call itself (prctl and syscall are variadic). */
#ifndef NAZAR_PROCESS_CONTROL_H
#define NAZAR_PROCESS_CONTROL_H

/* prctl(PR_SET_PDEATHSIG, sig): the kernel sends `sig` to this process when the thread
 * that created it exits. Returns 0 or -1 with errno. */
int nazar_set_parent_death_signal(int sig);

/* Closes every descriptor >= `first` (close_range(2), or a /proc/self/fd walk on kernels
 * without it). */
void nazar_close_descriptors_from(int first);

#endif
