package dev.dxfs.nativetests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The ./dxfs launcher, as a user runs it, and what it leaves in the mount table. */
final class Dxfs {
    static final Path LAUNCHER = Path.of(System.getProperty("dxfs.launcher", "../dxfs")).toAbsolutePath().normalize();
    /** Every test directory lives here, so a run can find and clear the mounts a killed run left. */
    static final Path WORK = Path.of("target", "work").toAbsolutePath();

    /** A new directory of its own under {@link #WORK} for one test, named from {@code prefix}. */
    static Path scratch(String prefix) throws IOException {
        return Files.createTempDirectory(Files.createDirectories(WORK), prefix);
    }
    /**
     * Test directories that other users must reach live here instead: the build directory's
     * parents may be closed to them (a home directory is often 0700).
     */
    static final Path SHARED_WORK = Path.of("/tmp", "dxfs-native-tests");
    /**
     * The transport the tests' mounts use (dxfs mount --transport): a run chooses it with
     * -Ddxfs.transport, so that the same suites check both.
     */
    static final String TRANSPORT = System.getProperty("dxfs.transport", "kernel");

    private Dxfs() {}

    static Run run(String... args) {
        return run(Duration.ofMinutes(3), args);
    }

    static Run run(Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(List.of(args));
        return Run.of(command, null, Map.of(), timeout);
    }

    /** {@code dxfs mount} of {@code dir} with the run's transport and {@code options}. */
    static Run mount(Path dir, String... options) {
        return mount(dir, TRANSPORT, options);
    }

    /** {@code dxfs mount} of {@code dir} with {@code transport} and {@code options}. */
    static Run mount(Path dir, String transport, String... options) {
        return Run.of(mountCommand(dir, transport, options));
    }

    /** The command line of {@code dxfs mount} of {@code dir} with {@code transport} and {@code options}. */
    static List<String> mountCommand(Path dir, String transport, String... options) {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString(), "mount", "--transport", transport));
        command.addAll(List.of(options));
        command.add(dir.toString());
        return command;
    }

    /** The type of the filesystem mounted last at {@code dir}, or null. */
    static String mountType(Path dir) {
        String type = null;
        for (String line : mountInfo()) {
            String[] fields = line.split(" ");
            int separator = line.indexOf(" - ");
            if (fields.length > 4 && separator > 0 && fields[4].equals(dir.toString())) {
                type = line.substring(separator + 3).split(" ")[0];
            }
        }
        return type;
    }

    /**
     * The pid of the daemon that serves {@code dir}, as its status says, or -1 when no daemon
     * answers there. Not found by its command line: the JVM of {@code dxfs mount} is the daemon
     * itself, started as {@code mount DIR} with DIR as the caller wrote it.
     */
    static long daemonPid(Path dir) {
        Run status = run("status", dir.toString());
        java.util.regex.Matcher pid = java.util.regex.Pattern.compile("\"pid\":(\\d+)").matcher(status.out());
        return status.exit() == 0 && pid.find() ? Long.parseLong(pid.group(1)) : -1;
    }

    /** How many filesystems are mounted at {@code dir}, one on top of the other. */
    static long mountCount(Path dir) {
        return mountInfo().stream().filter(line -> line.split(" ")[4].equals(dir.toString())).count();
    }

    static boolean isMounted(Path dir) {
        return "fuse.dxfs".equals(mountType(dir));
    }

    /**
     * Lazily unmounts the dxfs mounts (and the FUSE floor's, {@link FuseFloor}) under the test work
     * directory that a killed run left: those
     * whose test JVM is gone, and those without an owner whose daemon is gone. Another test JVM may
     * be running in the same module at the same time; its live mounts are left alone.
     */
    static void clearStaleMounts() {
        for (String line : mountInfo()) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && (fields[4].startsWith(WORK + "/") || fields[4].startsWith(SHARED_WORK + "/"))
                    && (line.contains(" - fuse.dxfs ") || line.contains(" - fuse.floor "))) {
                Path mountPoint = Path.of(fields[4]);
                if (!abandoned(mountPoint)) {
                    continue;
                }
                Run.of(List.of("fusermount", "-uz", fields[4]));
            }
        }
    }

    /** The file in a test's root directory ({@code work/<name>-N}) naming the JVM that owns its mount. */
    static Path ownerFile(Path testRoot) {
        return testRoot.resolve("owner.pid");
    }

    private static boolean abandoned(Path mountPoint) {
        Path testRoot = mountPoint.getParent() == null ? null : mountPoint.getParent().getParent();
        Path owner = testRoot == null ? null : ownerFile(testRoot);
        if (owner != null && Files.isRegularFile(owner)) {
            try {
                long pid = Long.parseLong(Files.readString(owner).trim());
                return ProcessHandle.of(pid).map(process -> !process.isAlive()).orElse(true);
            } catch (IOException | NumberFormatException e) {
                return true;
            }
        }
        // Nobody claims it: clear it only when its daemon is gone.
        try {
            Files.readAttributes(mountPoint, java.nio.file.attribute.BasicFileAttributes.class);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static List<String> mountInfo() {
        return Unchecked.call(() -> Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1));
    }
}
