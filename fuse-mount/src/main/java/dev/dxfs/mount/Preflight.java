package dev.dxfs.mount;

import dev.dxfs.fuse.FuseLib;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Checks that FUSE can work here, with the fix in the message: before anything is started, and
 * libfuse in the daemon.
 */
final class Preflight {
    private static final String INSTALL = "apt-get install fuse libfuse2";

    private Preflight() {}

    static void check() throws CliException {
        Path device = Path.of("/dev/fuse");
        if (!Files.exists(device)) {
            throw new CliException("/dev/fuse is missing: load the fuse kernel module (modprobe fuse), "
                    + "or give the container the device (--device /dev/fuse)");
        }
        if (!Files.isReadable(device) || !Files.isWritable(device)) {
            throw new CliException("/dev/fuse is not readable and writable by this user: "
                    + "run as root or add the user to the group that owns /dev/fuse");
        }
        if (findOnPath("fusermount") == null) {
            throw new CliException("fusermount is missing: " + INSTALL);
        }
    }

    /**
     * Checks that libfuse loads, in the daemon, before it touches the directory: loading it takes
     * a tenth of a second, which the mounting command would spend a second time.
     */
    static void requireLibfuse() throws CliException {
        String unloadable = libfuseProblem();
        if (unloadable != null) {
            throw new CliException("libfuse 2 is missing or broken (" + unloadable + "): apt-get install --reinstall "
                    + "fuse libfuse2");
        }
    }

    /**
     * Why libfuse cannot be loaded, or null when it can: the daemon's own load, made here, so
     * that whatever the dynamic linker finds (or not) is what is judged, wherever it lives.
     */
    private static String libfuseProblem() {
        try {
            Objects.requireNonNull(FuseLib.F);
            return null;
        } catch (LinkageError e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            // The loader's message goes on with every directory it searched.
            return String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        }
    }

    static Path findOnPath(String program) {
        // mount(8) runs its helpers without PATH; the JDK then starts programs from its default.
        String path = System.getenv().getOrDefault("PATH", "/bin:/usr/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
