package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import dev.dxfs.fuse.Names;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** What is mounted at a directory, read from /proc/self/mountinfo, and whether a dxfs mount is served. */
final class MountTable {
    private static final int ENOTCONN = 107;
    private static final int ECONNABORTED = 103;
    /** How long a live daemon may take to answer before it counts as live all the same. */
    private static final long ANSWER_MILLIS = 5000;
    /** How often the daemon's process is looked at while its answer is awaited. */
    private static final long POLL_MILLIS = 10;
    static final String TYPE = "fuse.dxfs";
    private static final String USER_ID = "user_id=";
    /** Filesystems through which the kernel shows and takes its own state, not files of anyone's. */
    private static final Set<String> KERNEL_INTERFACES = Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts",
            "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl", "mqueue", "binfmt_misc",
            "efivarfs", "nsfs", "selinuxfs", "rpc_pipefs");

    /** The state of one mount point. */
    enum State {
        /** Nothing is mounted there. */
        NONE,
        /** A dxfs mount whose daemon answers. */
        LIVE,
        /** A dxfs mount whose daemon is gone. */
        STALE,
        /** Some other filesystem is mounted there. */
        OTHER
    }

    /**
     * A mount point's state; {@code cause} says how a stale mount is known, or that a mount
     * counted as live did not answer (null for a live mount that answered).
     */
    record Inspection(State state, String cause) {}

    private MountTable() {}

    static State stateOf(Path directory) throws CliException {
        return inspect(directory).state();
    }

    /**
     * What is mounted at {@code directory}. A dxfs mount is stale when its daemon's process is
     * gone (its pid file names a process that has exited, even one not yet reaped), or when its
     * connection says so: ENOTCONN once the kernel has closed it, ECONNABORTED for a request
     * that was waiting when it closed. The connection is asked with a statx that bypasses the
     * kernel's attribute cache: a plain stat of the mount point is answered from that cache,
     * without the daemon, for up to a second after the last answer, and a dead mount passed for
     * a live one. While the answer is awaited the daemon's process is watched: a connection
     * that another process keeps open (a copy of the daemon's /dev/fuse descriptor) never
     * answers once the daemon is gone.
     */
    static Inspection inspect(Path directory) throws CliException {
        String type = topmostType(directory);
        if (type == null) {
            return new Inspection(State.NONE, null);
        }
        if (!type.equals(TYPE)) {
            return new Inspection(State.OTHER, null);
        }
        DaemonPid.Verdict daemon = DaemonPid.of(directory);
        if (daemon.gone()) {
            return daemonGone(daemon);
        }
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        Thread asker = new Thread(() -> {
            try {
                answer.complete(forcedStatErrno(directory));
            } catch (RuntimeException | Error e) {
                answer.completeExceptionally(e);
            }
        }, "dxfs-mount-probe");
        // A call that never returns must not keep the command from exiting.
        asker.setDaemon(true);
        asker.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MILLIS);
        while (true) {
            try {
                int errno = answer.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (errno == ENOTCONN) {
                    return new Inspection(State.STALE, "its daemon is gone (Transport endpoint is not connected)");
                }
                if (errno == ECONNABORTED) {
                    return new Inspection(State.STALE, "its daemon is gone (the connection was aborted)");
                }
                // Answered, or refused by the kernel (another user's mount): a daemon serves it.
                return new Inspection(State.LIVE, null);
            } catch (TimeoutException e) {
                daemon = DaemonPid.of(directory);
                if (daemon.gone()) {
                    return daemonGone(daemon);
                }
                if (System.nanoTime() > deadline) {
                    // Alive as far as anything tells, and busy or hung: never mount over it.
                    return new Inspection(State.LIVE, "its daemon has not answered for " + ANSWER_MILLIS / 1000 + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted while looking at " + directory);
            } catch (ExecutionException e) {
                throw new CliException("cannot look at " + directory + ": " + e.getCause());
            }
        }
    }

    private static Inspection daemonGone(DaemonPid.Verdict daemon) {
        return new Inspection(State.STALE, "its daemon (pid " + daemon.pid() + ") is gone");
    }

    /** The errno of a statx of {@code directory} that the filesystem must answer, or 0. */
    private static int forcedStatErrno(Path directory) {
        Pointer statx = Memory.allocateDirect(Libc.RUNTIME, 256);
        int errno = Libc.C.statx(Libc.AT_FDCWD, Names.bytes(directory.toString()), Libc.AT_STATX_FORCE_SYNC,
                Libc.STATX_BASIC_STATS, statx) < 0 ? Libc.errno() : 0;
        // The buffer is freed when collected, and the call alone does not keep it alive.
        Reference.reachabilityFence(statx);
        return errno;
    }

    /** The filesystem type mounted last at {@code directory}, or null. */
    static String topmostType(Path directory) throws CliException {
        Entry top = topmost(directory);
        return top == null ? null : top.type();
    }

    /**
     * The uid of the user who mounted the FUSE filesystem mounted last at {@code directory} (its
     * {@code user_id}), or -1 when there is none.
     */
    static int ownerOf(Path directory) throws CliException {
        Entry top = topmost(directory);
        if (top == null) {
            return -1;
        }
        for (String option : top.superOptions().split(",")) {
            if (option.startsWith(USER_ID)) {
                return Integer.parseInt(option.substring(USER_ID.length()));
            }
        }
        return -1;
    }

    /** The type of the filesystem {@code directory} is on: the mount whose point is its nearest. */
    static String filesystemOf(Path directory) throws CliException {
        String type = null;
        int depth = -1;
        for (Entry entry : entries()) {
            Path point = Path.of(entry.mountPoint());
            if (directory.startsWith(point) && point.getNameCount() >= depth) {
                type = entry.type();
                depth = point.getNameCount();
            }
        }
        return type;
    }

    static boolean isKernelInterface(String type) {
        return type != null && KERNEL_INTERFACES.contains(type);
    }

    /** Every directory something is mounted at. */
    static Set<Path> mountPoints() throws CliException {
        return entries().stream().map(entry -> Path.of(entry.mountPoint())).collect(Collectors.toSet());
    }

    /** The mount points below {@code directory}, in the order they were mounted. */
    static List<Path> mountsBelow(Path directory) throws CliException {
        return entries().stream().map(entry -> Path.of(entry.mountPoint()))
                .filter(point -> point.startsWith(directory) && !point.equals(directory)).distinct().toList();
    }

    /** One line of mountinfo: where, what type, and the filesystem's own options. */
    private record Entry(String mountPoint, String type, String superOptions) {}

    private static Entry topmost(Path directory) throws CliException {
        String wanted = directory.toString();
        Entry top = null;
        for (Entry entry : entries()) {
            if (entry.mountPoint().equals(wanted)) {
                top = entry;
            }
        }
        return top;
    }

    private static List<Entry> entries() throws CliException {
        List<String> lines;
        try {
            // Decoded as the JDK decodes file names, so that a mount point compares equal to its
            // Path; bytes that do not decode (another mount's odd name) are replaced, not fatal.
            lines = new String(Files.readAllBytes(Path.of("/proc/self/mountinfo")), fileNameCharset()).lines().toList();
        } catch (IOException e) {
            throw new CliException("cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.split(" ");
            int separator = line.indexOf(" - ");
            if (fields.length < 5 || separator < 0) {
                continue;
            }
            // After the separator: type, source, the filesystem's options.
            String[] tail = line.substring(separator + 3).split(" ");
            entries.add(new Entry(unescape(fields[4]), tail[0], tail.length > 2 ? tail[2] : ""));
        }
        return entries;
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
