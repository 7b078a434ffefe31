package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Changes made in the backing directory behind the mount's back, by a process that had its
 * working directory there before the mount: on the kernel transport the daemon watches the
 * backing directories it serves, as root and in a user's mount alike, so each shows through the
 * mount within milliseconds although the kernel keeps an unchanged file's name and attributes
 * for 10 s; elsewhere the kernel keeps them 1 s, which bounds how late such a change shows.
 */
class ForeignChangesTest {
    /** How late a change may show where the backing filesystem is watched: far below the 10 s kept, far above the watch's latency. */
    private static final long WATCHED_NANOS = 300_000_000L;
    /** Elsewhere: the short timeout, and the second the kernel may start it late. */
    private static final long UNWATCHED_NANOS = 2_000_000_000L;
    private static final String ABSENT = "(no such file)";
    /** Longer than a node counts as changing after a change behind the mount's back (1 s). */
    private static final long QUIET_NANOS = 1_300_000_000L;

    private static boolean watched() {
        return Dxfs.TRANSPORT.equals("kernel");
    }

    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aFileRenamedOverANameShows(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-rename", "f", List.of("cat"), ForeignChangesTest::renameOver,
                "the new version");
    }

    /** Every directory the kernel keeps names in is watched, not only the mount's top. */
    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aRenameInADirectoryBelowTheTopShows(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-nested", "a/b/f", List.of("cat"), ForeignChangesTest::renameOver,
                "the new version");
    }

    /**
     * A name looked up through the mount while no file has it: on the kernel transport the kernel
     * keeps its absence as long as a file's name, and a file made there behind the mount's back
     * ends it in time.
     */
    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aFileMadeAtANameFoundMissingShows(MountingUser who) throws IOException {
        try (MountedDir mounted = who.directory("foreign-create"); BackingView backing = BackingView.of(mounted.dir())) {
            Path missing = lookedAtFile(who, mounted, "other").resolveSibling("f");
            List<String> command = List.of("cat", missing.toString());
            assertThat(seen(who, command)).as("through the mount, before the file is made").isEqualTo(ABSENT);
            Files.writeString(backing.dir().resolve("f"), "made behind");
            assertShows(who, command, "made behind");
        }
    }

    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void anUnlinkedFileIsGone(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-unlink", "f", List.of("cat"), Files::delete, ABSENT);
    }

    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aChmodShows(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-chmod", "f", List.of("stat", "-c", "%A"),
                behind -> Files.setPosixFilePermissions(behind, PosixFilePermissions.fromString("rw-------")),
                "-rw-------");
    }

    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aWriteShows(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-write", "f", List.of("stat", "-c", "%s"),
                behind -> Files.writeString(behind, "5678", StandardOpenOption.APPEND), "8");
    }

    /**
     * A file changed again and again behind the mount's back: the daemon makes the kernel forget
     * its attributes at the first change of a run only, and has it ask again soon while the file
     * keeps changing, so each change shows.
     */
    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void eachOfManyChangesInARowShows(MountingUser who) throws IOException {
        assertChangeBehindShows(who, "foreign-writes", "f", List.of("stat", "-c", "%s"),
                behind -> Files.writeString(behind, "5678", StandardOpenOption.APPEND), "8", "12", "16", "20", "24");
    }

    /**
     * A change behind the mount's back while a shell appends to another file through the mount
     * over and over (each close an event of the daemon's own): the watch, which lets the
     * daemon's own events gather for a moment before it reads again, still shows it in time.
     * Appends are written in place and change no name, so nothing but the watch makes the kernel
     * forget what it keeps of {@code f}; the changes come more than a second apart, so that each
     * is the first of its run (later ones are answered with a short timeout whether the watch
     * hears them or not).
     */
    @ParameterizedTest(name = "mounted by {0}")
    @ArgumentsSource(MountingUsers.class)
    void aChmodShowsWhileTheMountAppends(MountingUser who) throws IOException, InterruptedException {
        try (MountedDir mounted = who.directory("foreign-busy"); BackingView backing = BackingView.of(mounted.dir())) {
            Path busy = mounted.dir().resolve("busy");
            Files.writeString(busy, "");
            Path file = lookedAtFile(who, mounted, "f");
            Process appender = new ProcessBuilder(who.command(List.of("sh", "-c",
                    "while :; do echo x >> '" + busy + "'; done"))).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                List<String> mode = List.of("stat", "-c", "%A", file.toString());
                assertThat(seen(who, mode)).as("through the mount, before the changes").isEqualTo("-rw-r--r--");
                String[] modes = {"-rw-------", "-rw-r-----", "-rw-------", "-rw-r-----"};
                for (String next : modes) {
                    LockSupport.parkNanos(QUIET_NANOS);
                    assertThat(appender.isAlive()).as("the shell appending through the mount").isTrue();
                    Files.setPosixFilePermissions(backing.dir().resolve("f"),
                            PosixFilePermissions.fromString(next.substring(1)));
                    assertShows(who, mode, next);
                }
            } finally {
                appender.destroyForcibly().waitFor();
            }
        }
    }

    /** A change made in the backing directory to the file at {@code behind}. */
    private interface ChangeBehind {
        void make(Path behind) throws IOException;
    }

    /**
     * The file {@code name} ({@link #lookedAtFile}) looked at through the mount by {@code look}, a command run as {@code who} with the file's path, so that the kernel
     * keeps its name and attributes; then {@code change}d behind the mount's back once for each
     * of {@code expected}: after each, {@code look} shows that one in time.
     */
    private static void assertChangeBehindShows(MountingUser who, String mountName, String name, List<String> look,
            ChangeBehind change, String... expected) throws IOException {
        try (MountedDir mounted = who.directory(mountName); BackingView backing = BackingView.of(mounted.dir())) {
            Path file = lookedAtFile(who, mounted, name);
            List<String> command = new ArrayList<>(look);
            command.add(file.toString());
            assertThat(seen(who, command)).as("through the mount, before the change").isNotEqualTo(expected[0]);
            for (String next : expected) {
                change.make(backing.dir().resolve(name));
                assertShows(who, command, next);
            }
        }
    }

    /**
     * The file {@code name} of {@code mounted}, made before the mount (one written through it
     * has another node for a while, and the kernel keeps no attributes of a file with several),
     * then {@code mounted} mounted by {@code who}.
     */
    private static Path lookedAtFile(MountingUser who, MountedDir mounted, String name) throws IOException {
        Path file = mounted.dir().resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "1234");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        who.mount(mounted);
        return file;
    }

    /** Another file renamed over {@code behind}. */
    private static void renameOver(Path behind) throws IOException {
        Path made = behind.resolveSibling("new");
        Files.writeString(made, "the new version");
        Files.move(made, behind, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Runs {@code command} as {@code who} until it shows {@code expected}, for at most how late a
     * change may show here.
     */
    private static void assertShows(MountingUser who, List<String> command, String expected) {
        long start = System.nanoTime();
        long bound = watched() ? WATCHED_NANOS : UNWATCHED_NANOS;
        String last = seen(who, command);
        while (!last.equals(expected) && System.nanoTime() - start < bound) {
            LockSupport.parkNanos(1_000_000L);
            last = seen(who, command);
        }
        assertThat(last).as("through the mount, %d ms after the change", (System.nanoTime() - start) / 1_000_000)
                .isEqualTo(expected);
    }

    /** What {@code command} printed, without its line's end, or {@link #ABSENT} when it failed (the file is gone). */
    private static String seen(MountingUser who, List<String> command) {
        return Objects.requireNonNullElse(who.output(command), ABSENT).strip();
    }
}
