package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * copy_file_range(2) between two files of the mount, as cp and Rust's fs::copy make it: the copy
 * lands in the writer's temp file like its writes, so others see the file as it was until the
 * writer closes it, then the whole copy. On the kernel transport the daemon copies in the backing
 * filesystem with one request; on libfuse 2, whose protocol cannot carry the call, the kernel
 * copies through reads and writes of the two handles: the same files either way.
 */
class CopyFileRangeTest {
    private static final int SIZE = 3 << 20;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kernel", "libfuse"})
    void aCopyIsStagedAsAWriteAndPublishedAtTheClose(String transport) throws IOException {
        try (MountedDir m = MountedDir.create("copy-range-" + transport).mountWith(transport)) {
            byte[] content = new byte[SIZE];
            new Random(7).nextBytes(content);
            Path source = m.dir().resolve("source.bin");
            Path target = m.dir().resolve("target.bin");
            Files.write(source, content);
            Files.writeString(target, "old version\n");
            try (FsShell writer = FsShell.start()) {
                int from = writer.open(source, "rdonly");
                int to = writer.open(target, "wronly|trunc");
                int half = SIZE / 2;
                assertThat(writer.call("copyrange " + from + " 0 " + to + " 0 " + half)).isEqualTo("copied " + half);
                assertThat(writer.call("copyrange " + from + " " + half + " " + to + " " + half + " " + SIZE))
                        .as("a copy that reaches the end of the source").isEqualTo("copied " + (SIZE - half));
                assertThat(target).as("the file while its writer has it open").hasContent("old version\n");
                writer.ok("close " + to);
            }
            assertThat(Files.readAllBytes(target)).isEqualTo(content);
            assertThat(m.statusField("commits")).as("the two files' writes and the copy's").isEqualTo(3);
        }
    }
}
