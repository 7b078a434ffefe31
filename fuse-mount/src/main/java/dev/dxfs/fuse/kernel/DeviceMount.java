package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.MountSettings;
import dev.dxfs.fuse.Names;
import java.io.IOException;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * Mounts a {@code /dev/fuse} connection, as libfuse 2 does: root opens the device and calls
 * mount(2) with the descriptor among the options; any other user has the setuid
 * {@code fusermount} mount it and hand the open device back over a socket
 * ({@code _FUSE_COMMFD}, SCM_RIGHTS).
 */
final class DeviceMount {
    private static final long MS_RDONLY = 1;
    private static final long MS_NOSUID = 2;
    private static final long MS_NODEV = 4;
    private static final long MS_NOEXEC = 8;
    private static final long MS_SYNCHRONOUS = 16;
    private static final long MS_DIRSYNC = 128;
    private static final long MS_NOATIME = 1024;
    /** The mount point is a directory: the root node's type. */
    private static final String ROOT_MODE = "40000";
    private static final int MSGHDR_SIZE = 56;
    private static final int IOVEC_SIZE = 16;
    /** CMSG_SPACE(sizeof(int)): a struct cmsghdr and one descriptor, padded. */
    private static final int CONTROL_SIZE = 24;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;

    private DeviceMount() {}

    /** Mounts a new connection at the settings' mount point and returns its open device. */
    static Device mount(MountSettings settings) throws IOException {
        return Sys.C.getuid() == 0 ? mountAsRoot(settings) : mountWithFusermount(settings);
    }

    /** Unmounts what is still mounted at the mount point (lazily, as libfuse does) once the device is closed. */
    static void unmount(MountSettings settings) {
        if (Sys.C.getuid() == 0) {
            Sys.C.umount2(settings.mountPoint(), Sys.MNT_DETACH);
        } else {
            try {
                new ProcessBuilder("fusermount", "-u", "-q", "-z", "--", Names.text(settings.mountPoint()))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start().waitFor();
            } catch (IOException e) {
                // Nothing more to do: the mount is gone already or stays for fusermount -u.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Device mountAsRoot(MountSettings settings) throws IOException {
        int fd = Sys.C.open("/dev/fuse", Sys.O_RDWR | Sys.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open /dev/fuse: errno " + Sys.errno());
        }
        List<String> data = new ArrayList<>(List.of("fd=" + fd, "rootmode=" + ROOT_MODE,
                "user_id=" + Sys.C.getuid(), "group_id=" + Sys.C.getgid()));
        data.addAll(kernelOptions(settings));
        if (Sys.C.mount(settings.name(), settings.mountPoint(), "fuse." + settings.name(), flags(settings.mountFlags()),
                String.join(",", data)) != 0) {
            int errno = Sys.errno();
            Sys.C.close(fd);
            throw new IOException("mount(2) of " + Names.text(settings.mountPoint()) + " failed: errno " + errno);
        }
        return new Device(fd);
    }

    /** The options the FUSE filesystem itself takes (the rest are flags or fusermount's). */
    private static List<String> kernelOptions(MountSettings settings) {
        List<String> options = new ArrayList<>(List.of("default_permissions", "max_read=" + settings.maxIo()));
        if (settings.allowOther()) {
            options.add("allow_other");
        }
        return options;
    }

    /** mount(2) flags: nosuid and nodev unless asked otherwise, as libfuse mounts. */
    private static long flags(List<String> names) {
        long flags = MS_NOSUID | MS_NODEV;
        for (String name : names) {
            flags = switch (name) {
                case "ro" -> flags | MS_RDONLY;
                case "rw" -> flags & ~MS_RDONLY;
                case "suid" -> flags & ~MS_NOSUID;
                case "nosuid" -> flags | MS_NOSUID;
                case "dev" -> flags & ~MS_NODEV;
                case "nodev" -> flags | MS_NODEV;
                case "exec" -> flags & ~MS_NOEXEC;
                case "noexec" -> flags | MS_NOEXEC;
                case "sync" -> flags | MS_SYNCHRONOUS;
                case "async" -> flags & ~MS_SYNCHRONOUS;
                case "dirsync" -> flags | MS_DIRSYNC;
                case "noatime" -> flags | MS_NOATIME;
                case "atime" -> flags & ~MS_NOATIME;
                default -> throw new IllegalArgumentException("unknown mount flag " + name);
            };
        }
        return flags;
    }

    private static Device mountWithFusermount(MountSettings settings) throws IOException {
        int[] pair = new int[2];
        if (Sys.C.socketpair(Sys.AF_UNIX, Sys.SOCK_STREAM | Sys.SOCK_CLOEXEC, 0, pair) != 0) {
            throw new IOException("socketpair failed: errno " + Sys.errno());
        }
        try {
            // fusermount inherits its end of the socket; the daemon's end stays the daemon's.
            Sys.C.fcntl(pair[1], Sys.F_SETFD, 0);
            List<String> options = new ArrayList<>(List.of("nonempty", "fsname=" + settings.name(),
                    "subtype=" + settings.name()));
            options.addAll(kernelOptions(settings));
            options.addAll(settings.mountFlags());
            int pid = spawn(List.of("fusermount", "-o", String.join(",", options), "--", settings.mountPoint()),
                    "_FUSE_COMMFD=" + pair[1]);
            Sys.C.close(pair[1]);
            pair[1] = -1;
            int fd = receiveDescriptor(pair[0]);
            int status = await(pid);
            if (fd < 0) {
                throw new IOException("fusermount could not mount " + Names.text(settings.mountPoint())
                        + " (exit status " + status + ")");
            }
            Sys.C.fcntl(fd, Sys.F_SETFD, 1);
            return new Device(fd);
        } finally {
            Sys.C.close(pair[0]);
            if (pair[1] >= 0) {
                Sys.C.close(pair[1]);
            }
        }
    }

    /** Starts {@code command} with the daemon's environment and {@code extra}; its pid. */
    private static int spawn(List<String> command, String extra) throws IOException {
        List<String> environment = new ArrayList<>();
        for (Map.Entry<String, String> variable : System.getenv().entrySet()) {
            environment.add(variable.getKey() + "=" + variable.getValue());
        }
        environment.add(extra);
        IntByReference pid = new IntByReference();
        int result = Sys.C.posix_spawnp(pid, command.get(0), null, null, command.toArray(String[]::new),
                environment.toArray(String[]::new));
        if (result != 0) {
            throw new IOException("cannot run " + command.get(0) + ": errno " + result);
        }
        return pid.intValue();
    }

    /** The descriptor fusermount sends with one byte of data, or -1 when it sent none. */
    private static int receiveDescriptor(int socket) {
        Pointer byteBuf = Memory.allocateDirect(Sys.RUNTIME, 1, true);
        Pointer iov = Memory.allocateDirect(Sys.RUNTIME, IOVEC_SIZE, true);
        iov.putPointer(0, byteBuf);
        iov.putLong(8, 1);
        Pointer control = Memory.allocateDirect(Sys.RUNTIME, CONTROL_SIZE, true);
        Pointer message = Memory.allocateDirect(Sys.RUNTIME, MSGHDR_SIZE, true);
        message.putPointer(16, iov);
        message.putLong(24, 1);
        message.putPointer(32, control);
        message.putLong(40, CONTROL_SIZE);
        long received;
        do {
            received = Sys.C.recvmsg(socket, message, 0);
        } while (received < 0 && Sys.errno() == Sys.EINTR);
        Reference.reachabilityFence(byteBuf);
        if (received <= 0 || message.getLong(40) < 20 || control.getInt(8) != SOL_SOCKET
                || control.getInt(12) != SCM_RIGHTS) {
            return -1;
        }
        return control.getInt(16);
    }

    private static int await(int pid) {
        Pointer status = Memory.allocateDirect(Sys.RUNTIME, 4, true);
        while (Sys.C.waitpid(pid, status, 0) < 0 && Sys.errno() == Sys.EINTR) {
            Thread.onSpinWait();
        }
        return status.getInt(0) >> 8 & 0xff;
    }
}
