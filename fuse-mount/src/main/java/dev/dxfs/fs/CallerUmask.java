package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

/**
 * The caller's umask, for the backing call that makes what a create, mknod or mkdir asked for.
 * The kernel sends the create mode unmasked, with the umask beside it, because natively a
 * directory's default ACL replaces the umask (the new file's mode and ACL come from the default
 * ACL and the create mode) and only the backing filesystem knows whether there is one. So the
 * request thread takes the caller's umask for that call, and the daemon's, 0, back after it: the
 * backing filesystem then applies the one or the other as it does for the caller natively.
 * Where a thread cannot have a umask of its own, the mode is masked here, as the kernel would
 * have done, and a default ACL then applies to the masked mode.
 */
final class CallerUmask implements AutoCloseable {
    private static final Platform PLATFORM = Platform.current();
    private static final int PERMISSION_BITS = 0777;

    private final int umask;
    private final boolean applied;

    private CallerUmask(int umask, boolean applied) {
        this.umask = umask;
        this.applied = applied;
    }

    /** The calling thread takes {@code umask} until {@link #close}. */
    static CallerUmask of(int umask) {
        int mask = umask & PERMISSION_BITS;
        if (mask != 0 && PLATFORM.ownUmask()) {
            C.umask(mask);
            return new CallerUmask(mask, true);
        }
        return new CallerUmask(mask, false);
    }

    /** The mode to pass to the backing call for the create mode {@code mode}. */
    int mode(int mode) {
        return applied ? mode : mode & ~umask;
    }

    @Override
    public void close() {
        if (applied) {
            C.umask(0);
        }
    }
}
