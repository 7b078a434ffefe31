package dev.dxfs.nativetests;

import static dev.dxfs.nativetests.ShellScript.hex;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared mappings ({@code mmap(MAP_SHARED)}) of files in the mount, each case run in a plain
 * directory beside it and in the mount, answer for answer: the plain directory is the expected
 * value. The kernel transport asks for FUSE_DIRECT_IO_ALLOW_MMAP, with which the kernel maps the
 * direct_io handles every file is opened with; libfuse 2's protocol (7.19) cannot ask for it, and
 * there the kernel refuses every shared mapping of a file with ENODEV.
 *
 * <p>What a mapping changes is the node's page cache, written back by the kernel as WRITEs on a
 * handle that mapped it: at msync, at munmap, at every close (FLUSH) and when a process exits
 * with the mapping, each before the last reference to the open file goes and so before its
 * RELEASE. A staged writer's mapped changes therefore land in its temp file and are published
 * with it, never later.
 */
class SharedMappingTest {
    private static final int PAGE = 4096;

    /** One writer's mapping, its write(2)s, ftruncates, fallocates and copy_file_ranges, interleaved. */
    private static final List<String> COHERENCE = List.of(
            "open {d}/f rdwr|creat|trunc",
            "pwrite 3 0 " + hex('a', 3 * PAGE),
            "map 3 " + 3 * PAGE + " rw",
            "mapwrite 0 100 " + hex("AAAA"),
            "pread 3 96 12",
            "pwrite 3 5000 " + hex("BBBB"),
            "mapread 0 4996 12",
            "ftruncate 3 6000",
            "mapread 0 5990 10",
            "ftruncate 3 " + 3 * PAGE,
            "mapread 0 5996 12",
            "fallocate 3 punch|keep 4096 4096",
            "mapread 0 4090 16",
            "mapwrite 0 4200 " + hex("CCCC"),
            "pread 3 4196 12",
            "fallocate 3 zero 8192 100",
            "mapread 0 8180 120",
            "mapwrite 0 8300 " + hex("DDDD"),
            "fallocate 3 zero|keep 8296 2",
            "pread 3 8296 8",
            "fallocate 3 0 " + 3 * PAGE + " " + PAGE,
            "fstat 3",
            "open {d}/g rdwr|creat|trunc",
            "pwrite 4 0 " + hex('g', 100),
            "copyrange 4 0 3 1000 50",
            "mapread 0 995 60",
            "mapwrite 0 2000 " + hex("EEEE"),
            "copyrange 3 1998 4 10 8",
            "pread 4 0 30",
            "msync 0",
            "fstat 3",
            "unmap 0",
            "close 4",
            "close 3",
            "open {d}/f rdonly",
            "readall 3",
            "close 3",
            "open {d}/g rdonly",
            "readall 3");

    @Test
    void aWritersMappingStaysCoherentWithItsWritesTruncatesFallocatesAndCopies() {
        try (MountedDir m = MountedDir.create("map-coherent").mountWith("kernel")) {
            assertThat(ShellScript.run(m.dir(), COHERENCE)).isEqualTo(ShellScript.run(m.scratch(), COHERENCE));
        }
    }

    /** Mapped changes made after the descriptor's close, written back at munmap. */
    private static final List<String> CHANGED_AFTER_CLOSE = List.of(
            "open {d}/f rdwr|creat|trunc",
            "pwrite 3 0 " + hex('a', 2 * PAGE),
            "map 3 " + 2 * PAGE + " rw",
            "mapwrite 0 10 " + hex("XY"),
            "close 3",
            "mapwrite 0 5000 " + hex("ZW"),
            "unmap 0");

    @Test
    void aWritersMappedChangesArePublishedWithItsFileAtItsLastReference() throws IOException {
        try (MountedDir m = MountedDir.create("map-publish").mountWith("kernel")) {
            Path plain = m.scratch();
            try (FsShell shell = FsShell.start()) {
                List<String> inMount = ShellScript.run(shell, m.dir(), CHANGED_AFTER_CLOSE.subList(0, 6));
                // Closed, but still mapped: the writer is not done, and others see nothing yet.
                assertThat(m.dir().resolve("f")).doesNotExist();
                inMount.addAll(ShellScript.run(shell, m.dir(), CHANGED_AFTER_CLOSE.subList(6, 7)));
                assertThat(inMount).isEqualTo(ShellScript.run(plain, CHANGED_AFTER_CLOSE));
            }
            // Read at once by another process: published with the munmap's changes, not later.
            assertThat(Files.readAllBytes(m.dir().resolve("f"))).isEqualTo(Files.readAllBytes(plain.resolve("f")));
        }
    }

    @Test
    void anEditorThatExitsWithItsMappingPublishesWhatItMapped() throws IOException {
        try (MountedDir m = MountedDir.create("map-exit").mountWith("kernel")) {
            Path plain = m.scratch();
            List<String> edit = List.of("open {d}/f rdwr", "map 3 " + 2 * PAGE + " rw", "mapwrite 0 4100 " + hex("QQ"));
            for (Path dir : List.of(m.dir(), plain)) {
                Files.writeString(dir.resolve("f"), "o".repeat(2 * PAGE));
                try (FsShell editor = FsShell.start()) {
                    ShellScript.run(editor, dir, edit);
                    if (dir.equals(m.dir())) {
                        assertThat(Files.readString(dir.resolve("f"))).as("the version before the edit")
                                .isEqualTo("o".repeat(2 * PAGE));
                    }
                } // the editor exits with its descriptor and its mapping
            }
            String edited = Files.readString(plain.resolve("f"));
            assertThat(edited).contains("QQ");
            assertThat(Files.readString(m.dir().resolve("f"))).isEqualTo(edited);
        }
    }

    /** A reader's mapping, an appender's writes, and an appender's own mapping of the published file. */
    private static final List<String> APPENDERS = List.of(
            "open {d}/f rdonly",
            "map 3 " + PAGE + " r",
            "mapread 0 0 4",
            "open {d}/f wronly|append",
            "write 4 " + hex("tail"),
            "mapread 0 100 4",
            "open {d}/f rdwr|append",
            "map 5 " + PAGE + " rw",
            "mapwrite 1 0 " + hex("ZZ"),
            "mapread 0 0 4",
            "unmap 1",
            "close 5",
            "write 4 " + hex("more"),
            "mapread 0 0 108",
            "unmap 0",
            "close 4",
            "close 3",
            "open {d}/f rdonly",
            "readall 3");

    @Test
    void aReadersMappingSeesAppendsAndAnAppendersMappingWritesInPlace() throws IOException {
        try (MountedDir m = MountedDir.create("map-append").mountWith("kernel")) {
            Path plain = m.scratch();
            Files.writeString(m.dir().resolve("f"), "p".repeat(100));
            Files.writeString(plain.resolve("f"), "p".repeat(100));
            assertThat(ShellScript.run(m.dir(), APPENDERS)).isEqualTo(ShellScript.run(plain, APPENDERS));
        }
    }

    /**
     * The appender made the file (a create writes it in place): its mapping and a reader's open of
     * the file beside it. The kernel refuses (EIO) an open that passes through while a handle that
     * does not has the node mapped, so the creator's handle must name the file as any open does.
     */
    private static final List<String> CREATING_APPENDER = List.of(
            "open {d}/f rdwr|creat|append",
            "write 3 " + hex("appended"),
            "map 3 " + PAGE + " r",
            "mapread 0 0 8",
            "open {d}/f rdonly",
            "readall 4",
            "unmap 0",
            "close 4",
            "close 3");

    @Test
    void aFileMappedByTheAppenderThatCreatedItOpensForReaders() {
        try (MountedDir m = MountedDir.create("map-created").mountWith("kernel")) {
            assertThat(ShellScript.run(m.dir(), CREATING_APPENDER))
                    .isEqualTo(ShellScript.run(m.scratch(), CREATING_APPENDER));
        }
    }

    /**
     * Not as in a plain directory, on purpose: a rewrite publishes a new version, and a reader
     * keeps the version it opened, through its mapping as through read(2). In a plain directory
     * the rewrite changes the one file under the mapping.
     */
    @Test
    void aReadersMappingKeepsTheVersionItOpened() throws IOException {
        try (MountedDir m = MountedDir.create("map-version").mountWith("kernel")) {
            Path plain = m.scratch();
            for (Path dir : List.of(m.dir(), plain)) {
                Files.writeString(dir.resolve("f"), "v1".repeat(PAGE / 2));
                try (FsShell reader = FsShell.start()) {
                    ShellScript.run(reader, dir, List.of("open {d}/f rdonly", "map 3 " + PAGE + " r"));
                    Files.writeString(dir.resolve("f"), "v2".repeat(PAGE / 2));
                    String seen = reader.ok("mapread 0 0 2");
                    assertThat(seen).isEqualTo("data 2 " + hex(dir.equals(plain) ? "v2" : "v1"));
                }
                assertThat(Files.readString(dir.resolve("f"))).startsWith("v2");
            }
        }
    }

    @Test
    void libfuseRefusesSharedMappings() throws IOException {
        try (MountedDir m = MountedDir.create("map-libfuse").mountWith("libfuse"); FsShell shell = FsShell.start()) {
            Files.writeString(m.dir().resolve("f"), "x".repeat(PAGE));
            int fd = shell.open(m.dir().resolve("f"), "rdwr");
            assertThat(shell.error("map " + fd + " " + PAGE + " rw")).isEqualTo("ENODEV");
            assertThat(shell.error("map " + fd + " " + PAGE + " r")).isEqualTo("ENODEV");
        }
    }
}
