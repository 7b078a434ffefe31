package dev.dxfs.fuse;

import java.util.Arrays;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Whose rights a thread's file system calls are made with. A daemon running as root serves
 * every user of an {@code allow_other} mount; each backing call it makes for a request runs with
 * the caller's file system identity (fsuid, fsgid, supplementary groups), so that the kernel
 * makes every access decision as it would for the caller natively, and new files get the
 * caller's owner and group (or a setgid directory's). Only what the daemon does for itself (the
 * staging directory, publishing a finished version, its log) runs with its own.
 *
 * <p>The identity is a thread's own: {@code setfsuid(2)}, {@code setfsgid(2)} and
 * {@code setgroups(2)} are made as raw system calls, which change the calling thread only (the C
 * library's wrappers of setgroups and setresuid change every thread of the process, and the
 * request threads serve different callers at once). An fsuid other than 0 also drops the file
 * system capabilities (CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, ...) from the thread, so the
 * kernel clears setuid bits on the caller's writes as natively; its other capabilities stay, so
 * the thread can always switch back. A new thread inherits its creator's identity: threads that
 * may be started while a request runs reset theirs first ({@link #resetThread}).
 *
 * <p>A daemon that is not root can only act as itself: then nothing here does anything.
 */
public final class Credentials {
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_EACCESS = 0x200;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final Sys SYS = LibraryLoader.create(Sys.class).failImmediately().load("c");
    private static final boolean SWITCHING = SYS.geteuid() == 0;
    private static final Numbers NUMBERS = SWITCHING ? Numbers.of(System.getProperty("os.arch")) : null;
    private static final int AT_FDCWD = -100;
    private static final int ENOSYS = 38;
    /**
     * Whether faccessat2 answers: Linux 5.8 and later, where no seccomp filter (a container's)
     * refuses it. Asked once, about the root directory, which root may always reach.
     */
    private static final boolean FACCESSAT2 = SWITCHING
            && SYS.syscall(NUMBERS.faccessat2(), AT_FDCWD, "/", 0, AT_EACCESS) == 0;
    /** What {@link #access} answers where the kernel cannot be asked so. */
    public static final int CANNOT_ASK = -1;
    /** The daemon's own identity. */
    private static final Caller DAEMON = new Caller(SYS.geteuid(), SYS.getegid(), ownGroups());
    /** A thread whose identity is not known (a switch failed halfway): the next switch sets everything. */
    private static final Caller UNKNOWN = new Caller(-1, -1, new int[0]);
    private static final ThreadLocal<Caller> ACTING = ThreadLocal.withInitial(() -> DAEMON);
    private static final Scope NOTHING = () -> { };

    /** The C library's calls used here (public for the class jnr-ffi generates). */
    public interface Sys {
        long syscall(long number, long arg);

        long syscall(long number, long size, @In int[] list);

        long syscall(long number, long dirfd, String path, long mode, long flags);

        int geteuid();

        int getegid();

        int getgroups(int size, @Out int[] list);
    }

    /** System call numbers of the platforms the daemon runs on. */
    private record Numbers(long setfsuid, long setfsgid, long setgroups, long faccessat2) {
        static Numbers of(String arch) {
            return switch (arch) {
                case "amd64", "x86_64" -> new Numbers(122, 123, 116, 439);
                case "aarch64" -> new Numbers(151, 152, 159, 439);
                // Never serve other users with root's rights on a platform whose numbers are unknown.
                default -> throw new IllegalStateException("no system call numbers for " + arch);
            };
        }
    }

    /**
     * Who a request's backing calls are made for: the caller's fsuid and fsgid, as the kernel
     * reports them with each request, and its supplementary groups.
     */
    public record Caller(int uid, int gid, int[] groups) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Caller caller && caller.uid == uid && caller.gid == gid
                    && Arrays.equals(caller.groups, groups);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
        }

        @Override
        public String toString() {
            return "uid " + uid + " gid " + gid + " groups " + Arrays.toString(groups);
        }

        /** Whether group {@code gid} is this caller's, as its own group or a supplementary one. */
        public boolean inGroup(int gid) {
            if (this.gid == gid) {
                return true;
            }
            for (int group : groups) {
                if (group == gid) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Where the thread's previous identity comes back. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private Credentials() {}

    /** Whether backing calls are made with their callers' identities (the daemon is root). */
    public static boolean switching() {
        return SWITCHING;
    }

    /** Whether {@code uid} and {@code gid} are the daemon's own: no switch is needed for them. */
    static boolean isDaemon(int uid, int gid) {
        return uid == DAEMON.uid && gid == DAEMON.gid;
    }

    /** The identity the calling thread acts with now. */
    public static Caller current() {
        Caller acting = ACTING.get();
        return acting == UNKNOWN ? null : acting;
    }

    /** The daemon's own identity. */
    public static Caller daemon() {
        return DAEMON;
    }

    /** Whether the calling thread acts for a caller other than the daemon itself. */
    public static boolean actingForCaller() {
        return SWITCHING && !DAEMON.equals(ACTING.get());
    }

    /**
     * Makes the calling thread act as {@code caller} (null: as the daemon) until the returned
     * scope is closed, which brings back the identity it had. Nothing happens when the thread
     * already acts so, or when the daemon is not root.
     *
     * @throws IllegalStateException when the kernel refuses the switch
     */
    public static Scope as(Caller caller) {
        if (!SWITCHING) {
            return NOTHING;
        }
        Caller target = caller == null ? DAEMON : caller;
        Caller before = ACTING.get();
        if (target.equals(before)) {
            return NOTHING;
        }
        apply(target);
        return () -> apply(before == UNKNOWN ? DAEMON : before);
    }

    /** Makes the calling thread act as the daemon until the returned scope is closed. */
    public static Scope asDaemon() {
        return as(DAEMON);
    }

    /**
     * Gives the calling thread the daemon's own identity: the first thing a thread does that may
     * have been started by a thread acting for a caller.
     */
    public static void resetThread() {
        if (SWITCHING) {
            apply(DAEMON);
        }
    }

    /**
     * access(2) of {@code path} relative to {@code dirFd} (an empty path: the descriptor's own
     * file; a symlink is not followed) for {@code mode} (R_OK 4, W_OK 2, X_OK 1), with the
     * identity the thread acts with (AT_EACCESS; the C library's faccessat would use the real
     * uid). Returns 0, an errno, or {@link #CANNOT_ASK} where the kernel has no faccessat2.
     * Only for a daemon that {@link #switching switches}.
     */
    public static int access(int dirFd, String path, int mode) {
        if (!FACCESSAT2) {
            return CANNOT_ASK;
        }
        int flags = AT_EACCESS | AT_SYMLINK_NOFOLLOW | (path.isEmpty() ? AT_EMPTY_PATH : 0);
        if (SYS.syscall(NUMBERS.faccessat2(), dirFd, path, mode, flags) == 0) {
            return 0;
        }
        int errno = errno();
        return errno == ENOSYS ? CANNOT_ASK : errno;
    }

    /**
     * Whether the mode bits of a file owned by {@code uid} and {@code gid} allow {@code want}
     * (R_OK 4, W_OK 2, X_OK 1) to the identity the thread acts with: the check the kernel makes
     * through the mount (default_permissions), without ACLs. Root may do anything.
     */
    public static boolean modeAllows(int mode, int uid, int gid, int want) {
        Caller acting = ACTING.get();
        if (acting == UNKNOWN) {
            return false;
        }
        if (acting.uid == 0) {
            return true;
        }
        int bits = acting.uid == uid ? mode >> 6 : acting.inGroup(gid) ? mode >> 3 : mode;
        return (bits & want) == want;
    }


    private static int errno() {
        return jnr.ffi.Runtime.getRuntime(SYS).getLastError();
    }

    private static void apply(Caller target) {
        ACTING.set(UNKNOWN);
        int[] groups = target.groups;
        if (SYS.syscall(NUMBERS.setgroups(), groups.length, groups) != 0) {
            throw new IllegalStateException("setgroups to " + target + " failed with errno " + errno());
        }
        SYS.syscall(NUMBERS.setfsgid(), target.gid);
        SYS.syscall(NUMBERS.setfsuid(), target.uid);
        // Each call answers the previous value whether or not it worked; -1 changes nothing.
        long fsuid = SYS.syscall(NUMBERS.setfsuid(), -1);
        long fsgid = SYS.syscall(NUMBERS.setfsgid(), -1);
        if (fsuid != target.uid || fsgid != target.gid) {
            throw new IllegalStateException("the thread acts as fsuid " + fsuid + " fsgid " + fsgid + ", not as "
                    + target);
        }
        ACTING.set(target);
    }

    private static int[] ownGroups() {
        int count = SYS.getgroups(0, null);
        int[] groups = new int[Math.max(count, 0)];
        if (count > 0 && SYS.getgroups(count, groups) != count) {
            throw new IllegalStateException("getgroups failed");
        }
        return groups;
    }
}
