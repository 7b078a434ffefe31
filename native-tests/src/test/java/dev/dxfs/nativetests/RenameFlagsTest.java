package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * renameat2(2)'s flags through the mount, each step compared with the same step in a plain
 * directory beside it. The kernel transport carries them (FUSE_RENAME2); libfuse 2's protocol
 * has no room for them, and the kernel refuses every flag there with EINVAL.
 */
class RenameFlagsTest {

    @Test
    void noReplaceAndExchangeAnswerAsInAPlainDirectory() throws IOException {
        try (MountedDir m = MountedDir.create("rename-flags").mountWith("kernel"); FsShell shell = FsShell.start()) {
            Path plain = m.scratch();
            assertThat(transcript(shell, m.dir(), this::renames)).isEqualTo(transcript(shell, plain, this::renames));
        }
    }

    @Test
    void aStagedWritersFileFollowsAnExchangeAsNatively() throws IOException {
        try (MountedDir m = MountedDir.create("rename-exchange-writer").mountWith("kernel");
                FsShell shell = FsShell.start()) {
            Path plain = m.scratch();
            List<String> inMount = transcript(shell, m.dir(), this::exchangeUnderAWriter);
            assertThat(inMount).isEqualTo(transcript(shell, plain, this::exchangeUnderAWriter));
            // What the transcript ends with: the writer's new version is at b, a holds b's old one.
            assertThat(inMount.subList(inMount.size() - 2, inMount.size())).containsExactly("a: two", "b: new");
        }
    }

    @Test
    void libfuseRefusesEveryFlag() throws IOException {
        try (MountedDir m = MountedDir.create("rename-flags-libfuse").mountWith("libfuse");
                FsShell shell = FsShell.start()) {
            Files.writeString(m.dir().resolve("a"), "one");
            assertThat(shell.error("rename2 " + m.dir().resolve("a") + " " + m.dir().resolve("c") + " noreplace"))
                    .isEqualTo("EINVAL");
            assertThat(m.dir().resolve("a")).hasContent("one");
        }
    }

    private interface Steps {
        void run(FsShell shell, Path dir, List<String> answers);
    }

    /** The answers of {@code steps} in {@code dir} (holding a = "one" and b = "two" first), then every name's content. */
    private static List<String> transcript(FsShell shell, Path dir, Steps steps) throws IOException {
        Files.writeString(dir.resolve("a"), "one");
        Files.writeString(dir.resolve("b"), "two");
        List<String> answers = new ArrayList<>();
        steps.run(shell, dir, answers);
        try (Stream<Path> names = Files.list(dir)) {
            names.sorted().forEach(path -> answers.add(path.getFileName() + ": " + read(path)));
        }
        return answers;
    }

    private void renames(FsShell shell, Path dir, List<String> answers) {
        for (String step : List.of("a c noreplace", "c b noreplace", "c b exchange", "c missing exchange",
                "b d noreplace|exchange", "b d 0")) {
            String[] words = step.split(" ");
            answers.add(step + " -> " + shell.call("rename2 " + dir.resolve(words[0]) + " " + dir.resolve(words[1])
                    + " " + words[2]));
        }
    }

    private void exchangeUnderAWriter(FsShell shell, Path dir, List<String> answers) {
        int fd = shell.open(dir.resolve("a"), "wronly|trunc");
        answers.add(shell.call("write " + fd + " 6e6577"));
        answers.add(shell.call("rename2 " + dir.resolve("a") + " " + dir.resolve("b") + " exchange"));
        answers.add(shell.call("close " + fd));
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
