package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fresh directory for one test, mounted over with dxfs on request, and always left unmounted
 * and removed by {@link #close()}. A test that needs FUSE fails when the mount fails.
 */
final class MountedDir implements AutoCloseable {
    private final Path root;
    private final Path dir;

    private MountedDir(Path root, Path dir) {
        this.root = root;
        this.dir = dir;
    }

    /** A new empty directory {@code work/<name>-N/target/dx}, not mounted yet. */
    static MountedDir create(String name) {
        return create(Dxfs.WORK, name, false);
    }

    /**
     * A new empty directory {@code /tmp/dxfs-native-tests/<name>-N/target/dx}, not mounted yet,
     * whose parents every user may search (0755): for tests that run processes as other users.
     */
    static MountedDir shared(String name) {
        return create(Dxfs.SHARED_WORK, name, true);
    }

    private static MountedDir create(Path base, String name, boolean searchable) {
        Dxfs.clearStaleMounts();
        return Unchecked.call(() -> {
            Files.createDirectories(base);
            Path root = Files.createTempDirectory(base, name + "-");
            Files.writeString(Dxfs.ownerFile(root), Long.toString(ProcessHandle.current().pid()));
            Path dir = Files.createDirectories(root.resolve("target").resolve("dx"));
            if (searchable) {
                for (Path path : List.of(base, root, root.resolve("target"), dir)) {
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            return new MountedDir(root, dir);
        });
    }

    /** The directory that is (or will be) mounted over. */
    Path dir() {
        return dir;
    }

    /** A scratch directory beside the mount, on the same filesystem as its backing. */
    Path scratch() {
        Path scratch = root.resolve("scratch");
        return Unchecked.call(() -> Files.createDirectories(scratch));
    }

    MountedDir mount(String... options) {
        return mountWith(Dxfs.TRANSPORT, options);
    }

    /** Mounts with {@code transport} whatever the run's: for what only one transport can do. */
    MountedDir mountWith(String transport, String... options) {
        Dxfs.mount(dir, transport, options).ok();
        assertThat(Dxfs.isMounted(dir)).as("dxfs is mounted over %s", dir).isTrue();
        return this;
    }

    void unmount() {
        Dxfs.run("unmount", dir.toString()).ok();
        assertThat(Dxfs.isMounted(dir)).as("dxfs is unmounted from %s", dir).isFalse();
    }

    String status() {
        return Dxfs.run("status", dir.toString()).ok().out().trim();
    }

    /** A numeric field of the status JSON. */
    long statusField(String field) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"" + field + "\":(\\d+)").matcher(status());
        assertThat(matcher.find()).as("status has %s", field).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    /** The daemon's log file, as the status names it. */
    Path log() {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"log\":\"([^\"]+)\"").matcher(status());
        assertThat(matcher.find()).as("status names the log file").isTrue();
        Path log = Path.of(matcher.group(1));
        assertThat(log).exists();
        return log;
    }

    /**
     * Waits until {@code count} staged writes are open; a RELEASE, which ends one, reaches the
     * daemon just after the writer's close(2) has returned.
     */
    void awaitOpenStagedWriters(long count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (statusField("openStagedWriters") != count && System.nanoTime() < deadline) {
            Pause.of(20);
        }
        assertThat(statusField("openStagedWriters")).as("open staged writers").isEqualTo(count);
    }

    @Override
    public void close() {
        if (Dxfs.isMounted(dir) || Dxfs.mountType(dir) != null) {
            Run run = Dxfs.run("unmount", dir.toString());
            if (run.exit() != 0) {
                Dxfs.run("unmount", "--force", dir.toString());
            }
        }
        Unchecked.run(() -> {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        });
    }
}
