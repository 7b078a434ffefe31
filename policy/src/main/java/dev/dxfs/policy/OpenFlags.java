package dev.dxfs.policy;

/**
 * The Linux open(2) flags that decide how an open is treated. Values are those of x86-64 and
 * aarch64, the platforms the daemon runs on; the agent maps Java open options onto them.
 */
public final class OpenFlags {
    public static final int O_ACCMODE = 0x3;
    public static final int O_RDONLY = 0x0;
    public static final int O_WRONLY = 0x1;
    public static final int O_RDWR = 0x2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    /** The kernel marks the open that execve(2) makes of a binary with this bit. */
    public static final int FMODE_EXEC = 0x20;

    private OpenFlags() {}

    public static boolean writes(int flags) {
        return (flags & O_ACCMODE) != O_RDONLY;
    }

    public static boolean reads(int flags) {
        return (flags & O_ACCMODE) != O_WRONLY;
    }

    public static boolean truncates(int flags) {
        return (flags & O_TRUNC) != 0;
    }

    public static boolean appends(int flags) {
        return (flags & O_APPEND) != 0;
    }

    public static boolean exclusive(int flags) {
        return (flags & O_EXCL) != 0;
    }

    public static boolean executes(int flags) {
        return (flags & FMODE_EXEC) != 0;
    }
}
