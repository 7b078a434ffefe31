package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The birth time of files in the mount ({@code stat -c %W}, statx's {@code stx_btime}): the
 * backing file's own, which the kernel asks with a STATX request (protocol 7.39). libfuse 2's
 * protocol has no such request: on that transport the kernel shows no birth time at all.
 */
class BirthTimeTest {
    private static final boolean SHOWN = !Dxfs.TRANSPORT.equals("libfuse");
    /** What {@code stat -c '%W %w'} shows of a file without a birth time. */
    private static final String NONE = "0 -";

    @Test
    void aFileShowsItsBackingFilesBirthTime() throws IOException {
        try (MountedDir mounted = MountedDir.create("birth-time");
                BackingView backing = BackingView.of(mounted.dir())) {
            Path dir = mounted.dir();
            Files.writeString(dir.resolve("before"), "written before the mount\n");
            mounted.mount();
            Files.writeString(dir.resolve("made"), "made through the mount\n");
            Files.createDirectories(dir.resolve("sub"));
            Files.createSymbolicLink(dir.resolve("link"), Path.of("made"));

            for (String name : List.of("before", "made", "sub", "link", ".")) {
                String seen = birth(dir.resolve(name));
                String backings = birth(backing.dir().resolve(name));
                assertThat(backings).as("the backing file's birth time of %s", name).isNotEqualTo(NONE);
                assertThat(seen).as("the birth time of %s in the mount", name).isEqualTo(SHOWN ? backings : NONE);
            }
        }
    }

    @Test
    void aRewriteShowsTheNewVersionsBirthTime() throws IOException {
        try (MountedDir mounted = MountedDir.create("birth-time-rewrite")) {
            Path file = mounted.dir().resolve("rewritten");
            Files.writeString(file, "old\n");
            mounted.mount();
            String old = birth(file);

            Files.writeString(file, "new\n");
            String renewed = birth(file);
            mounted.unmount();

            if (SHOWN) {
                // The publish put a new inode at the name: its temp file, made by the rewrite.
                assertThat(renewed).as("after the rewrite").isNotEqualTo(old).isEqualTo(birth(file));
            } else {
                assertThat(List.of(old, renewed)).containsOnly(NONE);
            }
        }
    }

    /**
     * A writer rewriting a file through O_TRUNC sees, by its descriptor and by name, its own
     * file: its size, with the inode number and the birth time of the file it writes, as in a
     * plain directory, where the inode stays the same. Others see the published version's until
     * the close; then the new version's, a new inode.
     */
    @Test
    void aWriterSeesItsOwnFileWithTheBirthTimeOfTheFileItWrites() throws IOException {
        try (MountedDir plain = MountedDir.create("birth-time-writer-plain");
                MountedDir mounted = MountedDir.create("birth-time-writer")) {
            Writes natively = rewrite(plain.dir());
            assertThat(natively.before()).isNotEqualTo("-");
            assertThat(List.of(natively.during(), natively.othersDuring(), natively.after()))
                    .containsOnly(natively.before());

            mounted.mount();
            Writes seen = rewrite(mounted.dir());
            if (SHOWN) {
                assertThat(seen.before()).isNotEqualTo("-");
                assertThat(seen.during()).as("the writer's own, by descriptor and by name").isEqualTo(seen.before());
                assertThat(seen.othersDuring()).as("another process's, during the write").isEqualTo(seen.before());
                assertThat(seen.after()).as("after the close").isNotEqualTo(seen.before());
            } else {
                assertThat(List.of(seen.before(), seen.during(), seen.othersDuring(), seen.after())).containsOnly("-");
            }
        }
    }

    /** Birth times around a rewrite: before it, its writer's while it writes, another process's then, and after it. */
    private record Writes(String before, String during, String othersDuring, String after) {}

    private static Writes rewrite(Path dir) throws IOException {
        Path file = dir.resolve("written");
        Files.writeString(file, "old version\n");
        String content = "the new version, longer\n";
        try (FsShell writer = FsShell.start(); FsShell other = FsShell.start()) {
            String before = writer.statx(file).birth();
            int fd = writer.open(file, "wronly|trunc");
            writer.write(fd, content);
            FsShell.Statx byDescriptor = writer.fstatx(fd);
            FsShell.Statx byName = writer.statx(file);
            FsShell.Statx others = other.statx(file);
            assertThat(byDescriptor.stat()).as("the writer's statx by descriptor").isEqualTo(writer.fstat(fd));
            assertThat(byName.stat()).as("the writer's statx by name").isEqualTo(writer.stat(file));
            assertThat(byDescriptor.stat()).isEqualTo(byName.stat());
            assertThat(byDescriptor.stat().size()).isEqualTo(content.length());
            assertThat(byName.birth()).isEqualTo(byDescriptor.birth());
            writer.close(fd);
            return new Writes(before, byDescriptor.birth(), others.birth(), writer.statx(file).birth());
        }
    }

    private static String birth(Path path) {
        return Run.of(List.of("stat", "-c", "%W %w", path.toString())).ok().out().trim();
    }
}
