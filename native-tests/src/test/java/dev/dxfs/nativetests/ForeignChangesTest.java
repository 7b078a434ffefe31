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
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Changes made in the backing directory behind the mount's back, by a process that had its
 * working directory there before the mount: on the kernel transport as root the daemon watches
 * the backing directories it serves, so each shows through the mount within milliseconds although the kernel
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
        assertChangeBehindShows("foreign-rename", "f", ForeignChangesTest::read, ForeignChangesTest::renameOver,
                "the new version");
    }

    /** Every directory the kernel keeps names in is watched, not only the mount's top. */
    @Test
    void aRenameInADirectoryBelowTheTopShows() throws IOException {
        assertChangeBehindShows("foreign-nested", "a/b/f", ForeignChangesTest::read, ForeignChangesTest::renameOver,
                "the new version");
    }

    @Test
    void anUnlinkedFileIsGone() throws IOException {
        assertChangeBehindShows("foreign-unlink", "f", ForeignChangesTest::read, Files::delete, "(no such file)");
    }

    @Test
    void aChmodShows() throws IOException {
        assertChangeBehindShows("foreign-chmod", "f", ForeignChangesTest::permissions,
                behind -> Files.setPosixFilePermissions(behind, PosixFilePermissions.fromString("rw-------")),
                "rw-------");
    }

    @Test
    void aWriteShows() throws IOException {
        assertChangeBehindShows("foreign-write", "f", file -> Long.toString(size(file)),
                behind -> Files.writeString(behind, "5678", StandardOpenOption.APPEND), "8");
    }

    /**
     * A file changed again and again behind the mount's back: the daemon makes the kernel forget
     * its attributes at the first change of a run only, and has it ask again soon while the file
     * keeps changing, so each change shows.
     */
    @Test
    void eachOfManyChangesInARowShows() throws IOException {
        assertChangeBehindShows("foreign-writes", "f", file -> Long.toString(size(file)),
                behind -> Files.writeString(behind, "5678", StandardOpenOption.APPEND), "8", "12", "16", "20", "24");
    }

    /** A change made in the backing directory to the file at {@code behind}. */
    private interface ChangeBehind {
        void make(Path behind) throws IOException;
    }

    /**
     * The file {@code name}, made before the mount (one written through it has another node for
     * a while, and the kernel keeps no attributes of a file with several) and looked at through
     * it, so that the kernel keeps its name and attributes; then {@code change}d behind the
     * mount's back once for each of {@code expected}: after each, {@code seen} through the mount
     * shows that one in time.
     */
    private static void assertChangeBehindShows(String mountName, String name, Function<Path, String> seen,
            ChangeBehind change, String... expected) throws IOException {
        try (MountedDir mounted = MountedDir.create(mountName); BackingView backing = BackingView.of(mounted.dir())) {
            Path file = mounted.dir().resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "1234");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            mounted.mount();
            assertThat(seen.apply(file)).as("through the mount, before the change").isNotEqualTo(expected[0]);
            for (String next : expected) {
                change.make(backing.dir().resolve(name));
                assertShows(() -> seen.apply(file), next);
            }
        }
    }

    /** Another file renamed over {@code behind}. */
    private static void renameOver(Path behind) throws IOException {
        Path made = behind.resolveSibling("new");
        Files.writeString(made, "the new version");
        Files.move(made, behind, StandardCopyOption.ATOMIC_MOVE);
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
