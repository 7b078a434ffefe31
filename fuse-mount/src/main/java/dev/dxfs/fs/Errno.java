package dev.dxfs.fs;

/** The errno values the overlay produces itself (the rest come from the backing calls). */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;
    static final int ESTALE = 116;

    private Errno() {}
}
