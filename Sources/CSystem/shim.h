#ifndef KIMI_PROFILES_CSYSTEM_SHIM_H
#define KIMI_PROFILES_CSYSTEM_SHIM_H
/* Process controls that Swift cannot call directly. Header only: nothing to link. */
#include <errno.h>

#if defined(__linux__)
#include <sys/prctl.h>

/* prctl(2) is variadic, and Swift cannot call a variadic C function: one fixed-arity wrapper
 * per operation the project uses. */
static inline int kp_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
static inline int kp_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }
#else
static inline int kp_set_dumpable(int on) { (void)on; errno = ENOSYS; return -1; }
static inline int kp_get_dumpable(void) { errno = ENOSYS; return -1; }
#endif
#endif
