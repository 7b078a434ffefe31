package dev.dxfs.nativetests;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A mount of the FUSE floor, the benchmark's {@code bench/floor.c}: a single-threaded C daemon
 * that answers each request with the one system call it asks for. It is the bound on what any
 * FUSE filesystem does here, so what a FUSE mount costs at all shows apart from what dxfs adds.
 * It is a measuring tool, built from the project's sources by each test that uses it, never part
 * of the product. {@link #close()} unmounts it and makes sure its daemon is gone.
 */
final class FuseFloor implements AutoCloseable {
    private static final Path SOURCE = Dxfs.LAUNCHER.getParent().resolve("bench/floor.c");

    private final Path dir;
    private final ProcessHandle daemon;

    private FuseFloor(Path dir, ProcessHandle daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    /**
     * Builds the floor into {@code parent/bin} and mounts it at {@code parent/floor/mount}, over
     * {@code parent/floor/backing}. {@code parent} is claimed by this JVM, as a test root is, so a
     * run killed midway has the floor's mount cleared by the next ({@link Dxfs#clearStaleMounts}).
     */
    static FuseFloor in(Path parent) {
        return Unchecked.call(() -> {
            Files.writeString(Dxfs.ownerFile(parent), Long.toString(ProcessHandle.current().pid()));
            Path binary = Files.createDirectories(parent.resolve("bin")).resolve("floor");
            Run.of(List.of("gcc", "-O2", "-o", binary.toString(), SOURCE.toString())).ok();
            Path backing = Files.createDirectories(parent.resolve("floor/backing"));
            Path dir = Files.createDirectories(parent.resolve("floor/mount"));
            // It mounts, then forks: the parent prints the daemon's pid. The daemon keeps stderr,
            // so that goes to a file, which a pipe read to its end would wait on.
            Path log = parent.resolve("floor.log");
            Process start = new ProcessBuilder(binary.toString(), backing.toString(), dir.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(log.toFile())
                    .start();
            String pid = new String(start.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (start.waitFor() != 0) {
                throw new AssertionError("the FUSE floor could not mount at " + dir + ": " + Files.readString(log));
            }
            Optional<ProcessHandle> daemon = ProcessHandle.of(Long.parseLong(pid));
            if (daemon.isEmpty()) {
                throw new AssertionError("the floor's daemon " + pid + " is gone: " + Files.readString(log));
            }
            FuseFloor floor = new FuseFloor(dir, daemon.get());
            if (!"fuse.floor".equals(Dxfs.mountType(dir))) {
                floor.close();
                throw new AssertionError("the floor is not mounted at " + dir);
            }
            return floor;
        });
    }

    Path dir() {
        return dir;
    }

    /** The daemon serves until its mount goes away; one that outlives it is killed. */
    @Override
    public void close() {
        try {
            if ("fuse.floor".equals(Dxfs.mountType(dir))) {
                Run.of(List.of("umount", "-l", dir.toString())).ok();
            }
        } finally {
            try {
                daemon.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                daemon.destroyForcibly();
            }
        }
    }
}
