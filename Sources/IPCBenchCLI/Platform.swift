// The package is Linux-only: every file imports Glibc unconditionally, and the mechanisms it
// measures have no equivalent elsewhere. Say so once, plainly, instead of failing obscurely.
#if !os(Linux)
#error("ipcbench measures Linux IPC (futex, eventfd, vmsplice, SCM_RIGHTS…); it builds only on Linux")
#endif
