package dev.dxfs.fuse;

/** The bits of setattr's {@code to_set}: which fields of the struct stat to apply. */
public final class SetAttr {
    public static final int MODE = 1;
    public static final int UID = 1 << 1;
    public static final int GID = 1 << 2;
    public static final int SIZE = 1 << 3;
    public static final int ATIME = 1 << 4;
    public static final int MTIME = 1 << 5;
    public static final int ATIME_NOW = 1 << 7;
    public static final int MTIME_NOW = 1 << 8;

    private SetAttr() {}
}
