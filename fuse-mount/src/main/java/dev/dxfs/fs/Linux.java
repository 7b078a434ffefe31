package dev.dxfs.fs;

/**
 * Linux: descriptors are reached through /proc/self/fd, threads' processes by pidfd_open or in
 * /proc/TID/status, whether a thread is in its exit in /proc/TID/statm, how it is ending in
 * /proc/TID/stat.
 */
final class Linux implements Platform {
    static final Linux INSTANCE = new Linux();
    private static final String TGID = "Tgid:";
    /** Fields of /proc/PID/stat, numbered as in proc(5); the third is the first after the name. */
    private static final int FIRST_FIELD_AFTER_NAME = 3;
    private static final int STAT_FLAGS = 9;
    private static final int STAT_EXIT_CODE = 52;
    private static final long PF_EXITING = 0x4;
    private static final long SIGNAL_BITS = 0x7f;
    private static final int O_TMPFILE = 0x400000 | Libc.O_DIRECTORY;
    private static final int EISDIR = 21;
    private static final int CLONE_FS = 0x200;
    /** The same number on x86-64 and arm64, as every system call since 424. */
    private static final long SYS_PIDFD_OPEN = 434;
    /** Whether this thread has its own umask: unknown (null) until it first asks. */
    private static final ThreadLocal<Boolean> OWN_UMASK = new ThreadLocal<>();

    private Linux() {}

    @Override
    public String pathOf(int fd) {
        return "/proc/self/fd/" + fd;
    }

    /** O_TMPFILE: a filesystem without it answers EOPNOTSUPP (or EISDIR before Linux 3.11). */
    @Override
    public int openUnnamed(int dirFd, int flags, int mode) throws FsException {
        int fd = Libc.C.openat(dirFd, ".", flags | O_TMPFILE | Libc.O_CLOEXEC, mode);
        if (fd < 0) {
            int errno = Libc.errno();
            throw new FsException(errno == EISDIR ? Errno.EOPNOTSUPP : errno, "open O_TMPFILE");
        }
        return fd;
    }

    /**
     * The umask is one of a task's filesystem attributes (with its root and working directory),
     * which the threads of a process share until one unshares them: done once per thread. The
     * JVM never changes its working directory, so a thread's own copy stays the same.
     */
    @Override
    public boolean ownUmask() {
        Boolean own = OWN_UMASK.get();
        if (own == null) {
            own = Libc.C.unshare(CLONE_FS) == 0;
            OWN_UMASK.set(own);
        }
        return own;
    }

    /**
     * FUSE reports the calling thread; handles belong to processes. A thread that leads its
     * process (every single-threaded caller, and a process's first thread) is known by
     * {@code pidfd_open}, which refuses any other thread (EINVAL): an open and a close instead
     * of making and parsing the 1.4 KB of {@code /proc/TID/status}, a tenth of a staged open's
     * cost. Any other thread, or a kernel before 5.3 (ENOSYS), is read there.
     */
    @Override
    public int processOf(int tid) {
        int pidfd = (int) Libc.C.syscall(SYS_PIDFD_OPEN, tid, 0);
        if (pidfd >= 0) {
            Libc.C.close(pidfd);
            return tid;
        }
        ProcFile status = ProcFile.read("/proc/" + tid + "/status");
        return status == null ? -1 : (int) status.lineValue(TGID);
    }

    /**
     * statm reads the task's memory under a spinlock (task_lock) and nothing else, and shows
     * zeros once the task has none: an exiting task gives its memory up (exit_mm) before its
     * files are closed (exit_files), and a user task that is alive always has some.
     */
    @Override
    public boolean leftItsMemory(int tid) {
        ProcFile statm = ProcFile.read("/proc/" + tid + "/statm");
        return statm != null && statm.leadingNumber() == 0;
    }

    /**
     * The kernel marks an exiting task (PF_EXITING in the flags) and records the exit code before
     * it closes the task's files; a signal death leaves the signal in the code's low bits, a
     * normal exit leaves them 0.
     */
    @Override
    public boolean killedBySignal(int tid) {
        ProcFile stat = ProcFile.read("/proc/" + tid + "/stat");
        if (stat == null) {
            return false;
        }
        long flags = stat.statField(STAT_FLAGS, FIRST_FIELD_AFTER_NAME);
        long exitCode = stat.statField(STAT_EXIT_CODE, FIRST_FIELD_AFTER_NAME);
        return flags >= 0 && exitCode >= 0 && (flags & PF_EXITING) != 0 && (exitCode & SIGNAL_BITS) != 0;
    }
}
