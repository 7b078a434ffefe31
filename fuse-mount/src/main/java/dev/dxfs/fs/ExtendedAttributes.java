package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The extended attributes of inodes reached by the paths of their descriptors
 * ({@link Platform#pathOf}), never by a name that someone could change meanwhile. Names are
 * bytes, one char per byte, as every name the daemon handles.
 */
final class ExtendedAttributes {
    /** The POSIX access ACL, as the kernel shows it among the extended attributes. */
    static final String ACCESS_ACL = "system.posix_acl_access";
    /** A directory's default ACL, which what is made in it inherits. */
    static final String DEFAULT_ACL = "system.posix_acl_default";
    private static final int ERANGE = 34;
    private static final int ENODATA = 61;

    private ExtendedAttributes() {}

    /**
     * Gives the inode at {@code to} the attributes of the inode at {@code from} that
     * {@code kept} accepts, and its access ACL or none: an access ACL {@code to} has of its own
     * (from its directory's default ACL) goes when {@code from} has none. An attribute the
     * calling thread may not read or set (EPERM, EACCES: {@code security.*} ones an unprivileged
     * daemon may not set, say) is left out and named in the answer; any other failure, and any
     * failure with the ACL, whose loss would give the owning group the mask's rights, is thrown.
     *
     * @return the attributes left out, each with the reason
     */
    static List<String> keep(String from, String to, Predicate<String> kept) throws FsException {
        List<String> names = names(from);
        List<String> left = new ArrayList<>();
        for (String name : names) {
            if (!kept.test(name)) {
                continue;
            }
            try {
                byte[] value = value(from, name);
                if (value != null) {
                    set(to, name, value);
                }
            } catch (FsException e) {
                if (name.equals(ACCESS_ACL) || e.errno != Errno.EPERM && e.errno != Errno.EACCES) {
                    throw e;
                }
                left.add(name + " (" + OverlayFs.describe(e.errno) + ")");
            }
        }
        // Asked first: removing an attribute that is not there still costs a journal
        // transaction on ext4, at every publish of a file in a directory without a default ACL.
        if (!names.contains(ACCESS_ACL) && has(to, ACCESS_ACL)) {
            remove(to, ACCESS_ACL);
        }
        return left;
    }

    /** The names of the attributes of {@code path} that the calling thread may list. */
    static List<String> names(String path) throws FsException {
        while (true) {
            long size = C.listxattr(path, null, 0);
            if (size < 0) {
                int errno = Libc.errno();
                if (errno == Errno.EOPNOTSUPP) {
                    return List.of();
                }
                throw new FsException(errno, "listxattr");
            }
            if (size == 0) {
                return List.of();
            }
            Pointer buffer = Memory.allocateDirect(Libc.RUNTIME, (int) size);
            long length = C.listxattr(path, buffer, size);
            if (length < 0) {
                if (Libc.errno() == ERANGE) {
                    continue;
                }
                throw new FsException(Libc.errno(), "listxattr");
            }
            byte[] bytes = new byte[(int) length];
            buffer.get(0, bytes, 0, bytes.length);
            List<String> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == 0) {
                    if (i > start) {
                        names.add(new String(bytes, start, i - start, StandardCharsets.ISO_8859_1));
                    }
                    start = i + 1;
                }
            }
            return names;
        }
    }

    /** Whether {@code path} has attribute {@code name} (true when that cannot be told: it is then removed). */
    private static boolean has(String path, String name) {
        return C.getxattr(path, name, null, 0) >= 0 || Libc.errno() != ENODATA;
    }

    /** The value of attribute {@code name} of {@code path}, or null when it has none by that name. */
    static byte[] value(String path, String name) throws FsException {
        while (true) {
            long size = C.getxattr(path, name, null, 0);
            if (size < 0) {
                int errno = Libc.errno();
                if (errno == ENODATA) {
                    return null;
                }
                throw new FsException(errno, "getxattr " + name);
            }
            Pointer buffer = Memory.allocateDirect(Libc.RUNTIME, Math.max(1, (int) size));
            long length = C.getxattr(path, name, buffer, size);
            if (length < 0) {
                int errno = Libc.errno();
                if (errno == ERANGE) {
                    continue;
                }
                if (errno == ENODATA) {
                    return null;
                }
                throw new FsException(errno, "getxattr " + name);
            }
            byte[] value = new byte[(int) length];
            buffer.get(0, value, 0, value.length);
            return value;
        }
    }

    static void set(String path, String name, byte[] value) throws FsException {
        Pointer buffer = Memory.allocateDirect(Libc.RUNTIME, Math.max(1, value.length));
        buffer.put(0, value, 0, value.length);
        FsException.check(C.setxattr(path, name, buffer, value.length, 0), "setxattr " + name);
    }

    /** Removes attribute {@code name} of {@code path}, if it has one. */
    static void remove(String path, String name) throws FsException {
        if (C.removexattr(path, name) < 0) {
            int errno = Libc.errno();
            if (errno != ENODATA && errno != Errno.EOPNOTSUPP) {
                throw new FsException(errno, "removexattr " + name);
            }
        }
    }
}
