package dev.dxfs.fs;

/**
 * A failed operation on the backing tree, carrying the errno that the FUSE caller receives.
 * Thrown on expected paths (ENOENT on every negative lookup), so it records no stack trace.
 */
class FsException extends Exception {
    private static final long serialVersionUID = 1L;

    final int errno;

    FsException(int errno, String operation) {
        super(operation, null, false, false);
        this.errno = errno;
    }

    /** Throws the current errno when {@code result} is negative; returns it otherwise. */
    static long check(long result, String operation) throws FsException {
        if (result < 0) {
            throw new FsException(Libc.errno(), operation);
        }
        return result;
    }
}
