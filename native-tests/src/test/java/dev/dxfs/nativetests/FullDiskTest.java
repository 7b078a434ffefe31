package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * dxfs over a backing filesystem that fills up (a 1 MiB tmpfs): the writer learns it from write
 * and close, the published file stays the previous complete version, the temp file goes, and the
 * mount keeps working.
 */
class FullDiskTest {
    private static final String DISK = "1m";

    @Test
    void aRewriteThatFillsTheDiskFailsAndPublishesNothing() throws Exception {
        failOnAFullDisk("full-rewrite", 200 << 10, (writer, file) -> {
            int fd = writer.open(file, "wronly|creat|trunc");
            assertThat(writer.error("write " + fd + " " + hex(randomBytes(1536 << 10)))).isEqualTo("ENOSPC");
            assertThat(writer.error("write " + fd + " 00")).as("a write after the failure").isEqualTo("ENOSPC");
            assertThat(writer.error("close " + fd)).as("the close reports it too").isEqualTo("ENOSPC");
        });
    }

    @Test
    void anEditWhoseCopyDoesNotFitFailsAndPublishesNothing() throws Exception {
        failOnAFullDisk("full-edit", 640 << 10, (writer, file) -> {
            int fd = writer.open(file, "rdwr");
            // The edit's temp file starts as a copy of the file, which does not fit.
            assertThat(writer.error("pwrite " + fd + " 0 ff")).isEqualTo("ENOSPC");
            assertThat(writer.error("close " + fd)).isEqualTo("ENOSPC");
        });
    }

    @Test
    void aCopyThatFillsTheDiskFailsAndPublishesNothing() throws Exception {
        int size = 400 << 10;
        failOnAFullDisk("full-copy", size, (writer, file) -> {
            int source = writer.open(file, "rdonly");
            int fd = writer.open(file, "rdwr");
            // The edit's copy of the file fits; a second copy of it after it does not, and a
            // copy_file_range may copy a part before it fails.
            String error = null;
            int copied = 0;
            for (int call = 0; call < 3 && error == null; call++) {
                String answer = writer.call("copyrange " + source + " " + copied + " " + fd + " " + (size + copied)
                        + " " + (size - copied));
                if (answer.startsWith("err ")) {
                    error = answer.split(" ")[1];
                } else {
                    copied += Integer.parseInt(answer.substring("copied ".length()));
                }
            }
            assertThat(error).isEqualTo("ENOSPC");
            assertThat(writer.error("close " + fd)).isEqualTo("ENOSPC");
        });
    }

    /** What a writer does to {@code file}, whose writes must fail. */
    private interface FailingWrite {
        void run(FsShell writer, Path file);
    }

    /**
     * Publishes a file of {@code size} random bytes on a mount over a small tmpfs, lets
     * {@code write} fail on it, then checks that the file and the mount are as before.
     */
    private static void failOnAFullDisk(String name, int size, FailingWrite write) throws Exception {
        try (MountedDir m = MountedDir.create(name); Tmpfs disk = Tmpfs.at(m.dir(), DISK);
                BackingView backing = BackingView.of(m.dir())) {
            m.mount();
            Path file = m.dir().resolve("file.bin");
            byte[] previous = randomBytes(size);
            Files.write(file, previous);
            try (FsShell writer = FsShell.start()) {
                write.run(writer, file);
            }
            assertKeptAndCleaned(m, backing, file, previous);
        }
    }

    private static void assertKeptAndCleaned(MountedDir m, BackingView backing, Path file, byte[] previous)
            throws Exception {
        assertThat(Files.readAllBytes(file)).as("the published file is the previous version").isEqualTo(previous);
        m.awaitOpenStagedWriters(0);
        assertThat(backing.stagedTempFiles()).as("temp files left in the backing directory").isEmpty();
        assertThat(m.statusField("commits")).as("commits, the previous version's only").isEqualTo(1);

        byte[] next = randomBytes(100 << 10);
        Files.write(file, next);
        assertThat(Files.readAllBytes(file)).as("the mount keeps serving").isEqualTo(next);
        assertThat(Files.readAllBytes(backing.dir().resolve(file.getFileName()))).isEqualTo(next);
    }


    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
