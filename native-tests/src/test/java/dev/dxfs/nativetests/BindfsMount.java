package dev.dxfs.nativetests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A bindfs mount of a directory of its own, the FUSE pass-through dxfs is compared with; unmounted by {@link #close()}. */
final class BindfsMount implements AutoCloseable {
    private final Path dir;

    private BindfsMount(Path dir) {
        this.dir = dir;
    }

    /** Mounts bindfs at {@code parent/bindfs}, over {@code parent/bindfs-backing}. */
    static BindfsMount in(Path parent) {
        return Unchecked.call(() -> {
            Path backing = Files.createDirectories(parent.resolve("bindfs-backing"));
            Path dir = Files.createDirectories(parent.resolve("bindfs"));
            Run run = Run.of(List.of("bindfs", backing.toString(), dir.toString()));
            if (run.exit() != 0) {
                throw new AssertionError("bindfs is needed by this test (apt-get install bindfs): " + run);
            }
            return new BindfsMount(dir);
        });
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() {
        Run.of(List.of("fusermount", "-u", dir.toString())).ok();
    }
}
