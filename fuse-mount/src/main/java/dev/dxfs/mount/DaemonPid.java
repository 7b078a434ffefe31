package dev.dxfs.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The file a daemon keeps beside its control socket while it serves: its pid and its start time
 * (clock ticks after boot, from /proc), which tells a reused pid apart. It is how a mount whose
 * daemon was killed is known to be stale at once, whatever the kernel still answers for the mount
 * meanwhile. A killed daemon leaves the file behind; the next daemon of the mount point replaces
 * it.
 */
final class DaemonPid {
    /** What the file says of a mount point's daemon; {@code pid} is -1 when nothing is known. */
    record Verdict(long pid, boolean gone) {
        static final Verdict UNKNOWN = new Verdict(-1, false);
    }

    private DaemonPid() {}

    /** Records this process as the daemon of {@code mountPoint}. */
    static void record(Path mountPoint) throws IOException {
        long pid = ProcessHandle.current().pid();
        Path file = RuntimePaths.pidFileFor(mountPoint);
        RuntimePaths.createPrivateDirectory(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".new");
        Files.writeString(temp, pid + " " + startTime(pid) + "\n", StandardCharsets.US_ASCII);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Removes the file of {@code mountPoint} if it still names this process. */
    static void forget(Path mountPoint) {
        Path file = RuntimePaths.pidFileFor(mountPoint);
        long[] recorded = read(file);
        if (recorded != null && recorded[0] == ProcessHandle.current().pid()) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A leftover names a process that is gone: it reads as a daemon that is gone.
            }
        }
    }

    /**
     * Removes what a daemon of {@code mountPoint} that is gone left behind, its pid file and its
     * control socket (a new daemon of the mount point replaces both).
     */
    static void clearLeftovers(Path mountPoint) {
        if (of(mountPoint).gone()) {
            try {
                Files.deleteIfExists(RuntimePaths.socketFor(mountPoint));
                Files.deleteIfExists(RuntimePaths.pidFileFor(mountPoint));
            } catch (IOException ignored) {
                // Harmless: a leftover names a process that is gone.
            }
        }
    }

    /** The daemon recorded for {@code mountPoint}, and whether it is gone. */
    static Verdict of(Path mountPoint) {
        long[] recorded = read(RuntimePaths.pidFileFor(mountPoint));
        if (recorded == null) {
            return Verdict.UNKNOWN;
        }
        long start = startTime(recorded[0]);
        return new Verdict(recorded[0], start < 0 || start != recorded[1]);
    }

    /**
     * The start time of process {@code pid} in clock ticks after boot, or -1 when it is gone: no
     * such process, or one that has exited and is not yet reaped (a zombie, which the JDK's
     * {@code ProcessHandle.isAlive} still calls alive). A killed daemon's threads may take a
     * moment longer to end; its main thread shows the zombie state from the start.
     */
    static long startTime(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return -1;
        }
        // The command name, in parentheses, may hold spaces: the fields that follow are counted
        // from its closing parenthesis (state is field 3, start time field 22).
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (fields.length < 20 || fields[0].equals("Z") || fields[0].equals("X")) {
            return -1;
        }
        return Long.parseLong(fields[19]);
    }

    private static long[] read(Path file) {
        try {
            String[] fields = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            return fields.length == 2 ? new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])} : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
