package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Changes made in the backing directory behind the mount's back, by a process that had its
 * working directory there before the mount: on the kernel transport as root the daemon watches
 * the backing filesystem, so each shows through the mount within milliseconds although the kernel
 * keeps an unchanged file's name and attributes for 10 s; elsewhere the kernel keeps them 1 s,
 * which bounds how late such a change shows.
 */
class ForeignChangesTest {
    /** How late a change may show where the backing filesystem is watched: far below the 10 s kept, far above the watch's latency. */
    private static final long WATCHED_NANOS = 300_000_000L;
    /** Elsewhere: the short timeout, and the second the kernel may start it late. */
    private static final long UNWATCHED_NANOS = 2_000_000_000L;

    private static boolean watched() {
        return Dxfs.TRANSPORT.equals("kernel");
    }

    @Test
    void aFileRenamedOverANameShows() throws IOException {
        assertRenameOverShows("foreign-rename", "f");
    }

    /** Every directory the kernel keeps names in is watched, not only the mount's top. */
    @Test
    void aRenameInADirectoryMadeThroughTheMountShows() throws IOException {
        assertRenameOverShows("foreign-nested", "a/b/f");
    }

    /** A file renamed over {@code name} behind the mount's back, once the kernel was answered the one before. */
    private static void assertRenameOverShows(String mountName, String name) throws IOException {
        try (MountedDir mounted = MountedDir.create(mountName); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path file = mounted.dir().resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "old");
            assertThat(Files.readString(file)).isEqualTo("old");
            Path behind = backing.dir().resolve(name);
            Path made = behind.resolveSibling("new");
            Files.writeString(made, "the new version");
            Files.move(made, behind, StandardCopyOption.ATOMIC_MOVE);
            assertShows(() -> read(file), "the new version");
        }
    }

    @Test
    void anUnlinkedFileIsGone() throws IOException {
        try (MountedDir mounted = MountedDir.create("foreign-unlink"); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path file = mounted.dir().resolve("f");
            Files.writeString(file, "here");
            assertThat(Files.exists(file)).isTrue();
            Files.delete(backing.dir().resolve("f"));
            assertShows(() -> read(file), "(no such file)");
        }
    }

    @Test
    void aChmodShows() throws IOException {
        try (MountedDir mounted = MountedDir.create("foreign-chmod"); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path file = mounted.dir().resolve("f");
            Files.writeString(file, "data");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            assertThat(permissions(file)).isEqualTo("rw-r--r--");
            Files.setPosixFilePermissions(backing.dir().resolve("f"), PosixFilePermissions.fromString("rw-------"));
            assertShows(() -> permissions(file), "rw-------");
        }
    }

    @Test
    void aWriteShows() throws IOException {
        try (MountedDir mounted = MountedDir.create("foreign-write"); BackingView backing = BackingView.of(mounted.dir())) {
            // Made before the mount: a file written through it has another node for a while,
            // and the kernel keeps no attributes of a file with several.
            Path file = mounted.dir().resolve("f");
            Files.writeString(file, "1234");
            mounted.mount();
            assertThat(Files.size(file)).isEqualTo(4);
            Files.writeString(backing.dir().resolve("f"), "5678", StandardOpenOption.APPEND);
            assertShows(() -> Long.toString(size(file)), "8");
        }
    }

    /** Polls {@code seen} until it shows {@code expected}, for at most how late a change may show here. */
    private static void assertShows(Supplier<String> seen, String expected) {
        long start = System.nanoTime();
        long bound = watched() ? WATCHED_NANOS : UNWATCHED_NANOS;
        String last = seen.get();
        while (!last.equals(expected) && System.nanoTime() - start < bound) {
            LockSupport.parkNanos(1_000_000L);
            last = seen.get();
        }
        assertThat(last).as("through the mount, %d ms after the change", (System.nanoTime() - start) / 1_000_000)
                .isEqualTo(expected);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            return "(no such file)";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String permissions(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
