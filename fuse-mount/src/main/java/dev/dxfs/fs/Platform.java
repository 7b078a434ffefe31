package dev.dxfs.fs;

/**
 * What the daemon asks of the operating system beyond the POSIX calls of {@link Libc}: the
 * Linux-only ways it reaches an inode from its descriptor and a caller's process from its
 * thread. A port to another system (macFUSE, see docs/macos.md) is another implementation.
 */
interface Platform {
    /** The system the daemon runs on. */
    static Platform current() {
        return Linux.INSTANCE;
    }

    /**
     * A path that names the file open at descriptor {@code fd} itself, for the calls that take a
     * path (reopen with other flags, chmod, link, utimensat, xattrs): the inode a node stands
     * for, whatever has happened to its name since.
     */
    String pathOf(int fd);

    /**
     * Opens a new file without a name (mode {@code mode}) on the filesystem of directory
     * {@code dirFd}, allocated as a file in that directory would be; it gets a name with a link
     * of {@link #pathOf} its descriptor. {@code flags}: the access mode and the other open flags
     * ({@code O_EXCL}: no link may ever give it a name).
     *
     * @throws FsException with {@link Errno#EOPNOTSUPP} when the system or the filesystem has no
     *     such files
     */
    int openUnnamed(int dirFd, int flags, int mode) throws FsException;

    /**
     * Gives the calling thread a umask of its own, which {@code umask(2)} then changes for this
     * thread alone; false when the system cannot (the umask stays the process's).
     */
    boolean ownUmask();

    /** The process (thread group) of thread {@code tid}, or -1 when it is gone. */
    int processOf(int tid);

    /**
     * Whether thread {@code tid} has given up its memory: a task in its exit does so before the
     * kernel closes its files, a task that closes a file itself never has. Never blocks: it is
     * asked on the request thread, about a task that waits for the answer.
     */
    boolean leftItsMemory(int tid);

    /**
     * Whether thread {@code tid} is exiting because a signal killed it, asked while the kernel
     * closes its files: those closes are then the kernel's, made for a program that never got to
     * finish its writes. May block while the task exits (see {@link KilledWriters}).
     */
    boolean killedBySignal(int tid);
}
