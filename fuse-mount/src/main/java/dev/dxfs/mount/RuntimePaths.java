package dev.dxfs.mount;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a mount's control socket, daemon pid file, mount lock and log live: named after the mount
 * point, per user.
 */
final class RuntimePaths {
    /** What to do when the runtime directory cannot be used. */
    static final String RUNTIME_FIX = "XDG_RUNTIME_DIR must name a directory this user can write, or be unset";

    private RuntimePaths() {}

    static Path socketFor(Path mountPoint) {
        return runtimeDir().resolve(key(mountPoint) + ".sock");
    }

    /** The file naming the daemon that serves {@code mountPoint} ({@link DaemonPid}). */
    static Path pidFileFor(Path mountPoint) {
        return runtimeDir().resolve(key(mountPoint) + ".pid");
    }

    /** The file whose lock {@link MountLock} takes for {@code mountPoint}. */
    static Path lockFileFor(Path mountPoint) {
        return runtimeDir().resolve(key(mountPoint) + ".lock");
    }

    private static Path runtimeDir() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        return runtime != null && !runtime.isEmpty() && Path.of(runtime).toFile().isDirectory()
                ? Path.of(runtime, "dxfs")
                : Path.of("/tmp", "dxfs-" + EffectiveUser.id());
    }

    static Path logFor(Path mountPoint) {
        String state = stateHome();
        Path dir = state != null
                ? Path.of(state, "dxfs")
                : Path.of(System.getProperty("user.home"), ".local", "state", "dxfs");
        return dir.resolve(key(mountPoint) + ".log");
    }

    /** What to do when the log directory cannot be made or written. */
    static String logFix() {
        String state = stateHome();
        return state != null ? "XDG_STATE_HOME (" + state + ") must name a directory this user can write, or be unset"
                : "the home directory's .local/state must be writable by this user, or XDG_STATE_HOME name a "
                        + "directory that is";
    }

    private static String stateHome() {
        String state = System.getenv("XDG_STATE_HOME");
        return state == null || state.isEmpty() ? null : state;
    }

    /** Creates {@code dir} and its missing parents, the last one private to its user (0700). */
    static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /**
     * Creates {@code file} readable by its owner only, unless it exists. Logs say which paths
     * others write; and the daemon runs with umask 0 (modes come from its callers), so a file it
     * lets a library create would be 0666.
     */
    static void createPrivate(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // Appended to, as it is.
        }
    }

    private static String key(Path mountPoint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(mountPoint.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
