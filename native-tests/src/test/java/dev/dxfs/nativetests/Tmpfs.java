package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

/**
 * A small tmpfs mounted at a test's directory (as root), to run dxfs over a filesystem that
 * fills up. Closing it unmounts dxfs first if it is still mounted on top.
 */
final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    static Tmpfs at(Path dir, String size) {
        Run.of(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs", dir.toString())).ok();
        assertThat(Dxfs.mountType(dir)).isEqualTo("tmpfs");
        return new Tmpfs(dir);
    }

    @Override
    public void close() {
        if (Dxfs.isMounted(dir)) {
            Dxfs.run("unmount", "--force", dir.toString()).ok();
        }
        if ("tmpfs".equals(Dxfs.mountType(dir))) {
            Run.of(List.of("umount", dir.toString())).ok();
        }
    }
}
