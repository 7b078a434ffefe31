package dev.dxfs.fs;

/**
 * Where the fields of the kernel's {@code struct stat} (64-bit Linux) lie in the buffers that
 * requests are answered with: the requests fill and read them in place, as the transport sends
 * them on unchanged.
 */
final class StatFields {
    static final int DEV = 0;
    static final int INO = 8;
    static final int NLINK = 16;
    static final int MODE = 24;
    static final int UID = 28;
    static final int GID = 32;
    static final int SIZE = 48;
    static final int ATIME = 72;
    static final int MTIME = 88;
    /** The bits of {@link #MODE} that chmod sets: permissions, setuid, setgid, sticky. */
    static final int PERMISSION_BITS = 07777;

    private StatFields() {}
}
