package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import dev.dxfs.fuse.Credentials;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * Whether the identity the thread acts with may write a file or create in a directory, asked of
 * the kernel: faccessat2 with AT_EACCESS. Kernels before 5.8 have no faccessat2; there the
 * question is asked by doing: an open for writing, or an unnamed temp file made in the
 * directory, each closed at once.
 */
final class Access {
    private static final int W_OK = 2;
    private static final int X_OK = 1;
    private static final int O_NONBLOCK = 0x800;
    private static final int EAGAIN = 11;
    private static final int ETXTBSY = 26;

    private Access() {}

    /** 0 when the thread's identity may write the regular file {@code fd} holds, else an errno. */
    static int mayWrite(int fd) {
        int errno = Credentials.access(fd, "", W_OK);
        if (errno != Credentials.CANNOT_ASK) {
            return errno;
        }
        // Without blocking on a lease, and never truncating. A running program (ETXTBSY) and a
        // lease (EAGAIN) are met after the permission checks: those passed.
        int flags = Libc.O_WRONLY | Libc.O_NOCTTY | O_NONBLOCK | Libc.O_CLOEXEC;
        int opened = C.open(Platform.current().pathOf(fd), flags, 0);
        if (opened >= 0) {
            C.close(opened);
            return 0;
        }
        errno = Libc.errno();
        return errno == ETXTBSY || errno == EAGAIN ? 0 : errno;
    }

    /** 0 when the thread's identity may create a file in directory {@code dirFd}, else an errno. */
    static int mayCreateIn(int dirFd) throws FsException {
        int errno = Credentials.access(dirFd, "", W_OK | X_OK);
        if (errno != Credentials.CANNOT_ASK) {
            return errno;
        }
        try {
            C.close(Platform.current().openUnnamed(dirFd, Libc.O_RDWR, 0600));
            return 0;
        } catch (FsException e) {
            if (e.errno != Errno.EOPNOTSUPP) {
                return e.errno;
            }
        }
        // Neither: the directory's mode bits, which is what the kernel checks through the mount.
        FileStat dir = BackingDir.fstat(dirFd);
        return Credentials.modeAllows(dir.st_mode.intValue(), dir.st_uid.intValue(), dir.st_gid.intValue(), W_OK | X_OK)
                ? 0 : Errno.EACCES;
    }
}
