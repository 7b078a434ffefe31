package dev.dxfs.mount;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Checks that FUSE can work here before anything is started, with the fix in the message. */
final class Preflight {
    private static final String INSTALL = "apt-get install fuse libfuse2";
    private static final List<String> LIBRARY_DIRS = List.of(
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");

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
        if (LIBRARY_DIRS.stream().noneMatch(dir -> Files.exists(Path.of(dir, "libfuse.so.2")))) {
            throw new CliException("libfuse 2 is missing: " + INSTALL);
        }
        if (findOnPath("fusermount") == null) {
            throw new CliException("fusermount is missing: " + INSTALL);
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
