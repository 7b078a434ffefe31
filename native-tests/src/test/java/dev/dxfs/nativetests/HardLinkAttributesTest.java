package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * What the kernel keeps of a file with several names: its attributes, as it keeps any file's,
 * each name being a node of its own in the kernel; and so every change made through one name
 * must make the kernel forget what it keeps of the others. The other name is held open in a
 * native process, and its attributes are read through that descriptor ({@code /proc/PID/fd/N}),
 * which asks the daemon only when the kernel keeps nothing: no lookup of the name answers them
 * afresh, on either transport.
 */
class HardLinkAttributesTest {
    private static final String ATTRIBUTES = "unix:mode,size,nlink,lastModifiedTime,ctime,ino";

    /**
     * A change no watch hears of (a write through a shared mapping in the backing directory)
     * does not show through the other name right after: its attributes, read just before, were
     * kept. (Before, a file with two names kept them for no time, and each {@code stat} of it
     * asked the daemon: three GETATTRs of each object file a cargo build links into its
     * incremental directory.)
     */
    @Test
    void aFileWithTwoNamesKeepsItsAttributes() throws IOException {
        try (Linked linked = Linked.mount("links-kept")) {
            Path b = linked.secondName();
            FileTime before = Files.getLastModifiedTime(b);
            try (MappedWrite write = MappedWrite.of(linked.backing().dir().resolve("a"))) {
                assertThat(write.change()).as("the time the mapped write set").isNotEqualTo(before);
                assertThat(Files.getLastModifiedTime(b)).as("the time through the other name right after")
                        .isEqualTo(before);
            }
        }
    }

    /**
     * Each change made through one name (or over it) shows at once through the other, whose
     * attributes were read, and so kept, just before: the same as the backing file shows.
     */
    @Test
    void aChangeThroughOneNameShowsAtOnceThroughTheOther() throws IOException {
        try (Linked linked = Linked.mount("links-changed")) {
            FsShell shell = linked.shell();
            Path b = linked.secondName();
            Path dir = linked.mounted().dir();
            Path a = dir.resolve("a");
            Path truth = linked.backing().dir().resolve("b");
            int reader = shell.open(a, "rdonly");
            int appender = shell.open(a, "wronly|append");
            Change change = (what, making) -> {
                Files.readAttributes(b, ATTRIBUTES);
                making.run();
                assertThat(seen(b)).as("the other name's attributes after %s", what).isEqualTo(seen(truth));
            };
            change.through("a chmod", () -> shell.ok("fchmod " + reader + " 600"));
            change.through("a futimens", () -> shell.ok("futimens " + reader + " 1000000000"));
            change.through("an append", () -> shell.write(appender, "more"));
            change.through("an ftruncate", () -> shell.ok("ftruncate " + appender + " 2"));
            change.through("an fallocate", () -> shell.ok("fallocate " + appender + " none 0 4096"));
            change.through("a new extended attribute", () -> Files.getFileAttributeView(a,
                    UserDefinedFileAttributeView.class).write("user.note", StandardCharsets.UTF_8.encode("x")));
            change.through("a link", () -> shell.ok("link " + reader + " " + dir.resolve("c") + " proc"));
            change.through("an unlink", () -> shell.ok("unlink " + dir.resolve("c")));
            change.through("a rename over a third name", () -> {
                shell.ok("link " + reader + " " + dir.resolve("c") + " proc");
                Files.writeString(dir.resolve("x"), "other");
                shell.ok("rename2 " + dir.resolve("x") + " " + dir.resolve("c") + " none");
            });
            change.through("a rewrite published over the first name", () -> {
                Files.writeString(a, "new");
                // The publish comes at the release, after the close: the writer's next lookup waits for it.
                assertThat(Files.readString(a)).isEqualTo("new");
            });
        }
    }

    /**
     * A rewrite published over one name at its writer's last close takes a link from the version
     * the other name still holds: what the writer does next (here a {@code stat} of the other
     * name, at once) sees that link count, as it sees the new version at the name it wrote. The
     * publish comes at the RELEASE, after {@code close(2)} has returned; the other name's lookup
     * or getattr used not to wait for it, and in about one round in fifty showed two links, and
     * one a moment later with nobody changing anything.
     */
    @Test
    void aRewriteOverOneNameShowsThroughTheOtherOnceItsWriterIsDone() throws IOException {
        try (MountedDir mounted = MountedDir.create("links-rewritten");
                BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path a = mounted.dir().resolve("a");
            Path b = mounted.dir().resolve("b");
            Files.writeString(a, "data");
            for (int round = 0; round < 300; round++) {
                Files.deleteIfExists(b);
                Files.createLink(b, a);
                Files.readAttributes(b, ATTRIBUTES);
                Files.writeString(a, "version " + round);
                Map<String, String> seen = seen(b);
                assertThat(seen).as("the other name right after rewrite %d", round)
                        .isEqualTo(seen(backing.dir().resolve("b")));
            }
        }
    }

    private interface Change {
        void through(String what, Step making) throws IOException;
    }

    private interface Step {
        void run() throws IOException;
    }

    /**
     * A mount with file {@code a} linked as {@code b}, which {@code shell} holds open:
     * {@code secondName} reaches {@code b} through that descriptor, without a lookup of its name.
     */
    private record Linked(MountedDir mounted, BackingView backing, FsShell shell, Path secondName)
            implements AutoCloseable {
        static Linked mount(String name) throws IOException {
            MountedDir mounted = MountedDir.create(name);
            BackingView backing = null;
            FsShell shell = null;
            try {
                backing = BackingView.of(mounted.dir());
                shell = FsShell.start();
                mounted.mount();
                Path a = mounted.dir().resolve("a");
                Files.writeString(a, "data");
                Files.createLink(mounted.dir().resolve("b"), a);
                int fd = shell.open(mounted.dir().resolve("b"), "rdonly");
                return new Linked(mounted, backing, shell,
                        Path.of("/proc", Long.toString(shell.pid()), "fd", Integer.toString(fd)));
            } catch (IOException | RuntimeException e) {
                new Linked(mounted, backing, shell, null).close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try (MountedDir m = mounted; BackingView v = backing; FsShell s = shell) {
                // Each is closed, in reverse, even when one before it fails; the unmade ones are null.
            }
        }
    }

    /** What {@code stat} shows of {@code file}, but its access time (the mount reads the backing file). */
    private static Map<String, String> seen(Path file) throws IOException {
        Map<String, String> seen = new TreeMap<>();
        Files.readAttributes(file, ATTRIBUTES).forEach((name, value) -> seen.put(name, String.valueOf(value)));
        return seen;
    }
}
