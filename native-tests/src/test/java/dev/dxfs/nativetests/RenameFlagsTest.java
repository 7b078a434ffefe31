package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * renameat2(2)'s flags through the mount, each step compared with the same step in a plain
 * directory beside it. The kernel transport carries them (FUSE_RENAME2), RENAME_WHITEOUT
 * included; libfuse 2's protocol has no room for them, and the kernel refuses every flag there
 * with EINVAL.
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

    /**
     * RENAME_WHITEOUT leaves a whiteout, a 0/0 character device, at the old name (root may make
     * one, as on ext4 natively); with EXCHANGE it is refused (EINVAL), and with NOREPLACE onto a
     * name that exists, EEXIST.
     */
    private static final List<String> WHITEOUTS = List.of("rename2 {d}/a {d}/c whiteout", "lstat {d}/a",
            "lstat {d}/c", "rename2 {d}/c {d}/b whiteout|exchange", "rename2 {d}/c {d}/b whiteout|noreplace",
            "rename2 {d}/c {d}/b whiteout", "lstat {d}/c", "lstat {d}/b", "rename2 {d}/b {d}/a 0", "lstat {d}/a");

    @Test
    void whiteoutAnswersAsInAPlainDirectory() throws IOException {
        try (MountedDir m = MountedDir.create("rename-whiteout").mountWith("kernel")) {
            Path plain = m.scratch();
            for (Path dir : List.of(m.dir(), plain)) {
                Files.writeString(dir.resolve("a"), "one");
                Files.writeString(dir.resolve("b"), "two");
            }
            List<String> inMount = ShellScript.run(m.dir(), WHITEOUTS);
            assertThat(inMount).isEqualTo(ShellScript.run(plain, WHITEOUTS));
            assertThat(inMount.get(1)).endsWith("lstat type=c rdev=0,0");
            assertThat(m.dir().resolve("a")).hasContent("one");
        }
    }

    /** Another user than root, in a directory of its own: as in a plain directory too. */
    @Test
    void aUsersWhiteoutAnswersAsInAPlainDirectory() throws IOException {
        try (AnotherUser as = AnotherUser.create("rename-whiteout-user")) {
            for (Path dir : as.both()) {
                Files.writeString(dir.resolve("a"), "one");
                Files.writeString(dir.resolve("b"), "two");
                Run.of(List.of("chown", "-R", as.user().uid() + ":" + as.user().gid(), dir.toString())).ok();
            }
            as.runInBoth(WHITEOUTS);
        }
    }

    @Test
    void libfuseRefusesEveryFlag() throws IOException {
        try (MountedDir m = MountedDir.create("rename-flags-libfuse").mountWith("libfuse");
                FsShell shell = FsShell.start()) {
            Files.writeString(m.dir().resolve("a"), "one");
            Files.writeString(m.dir().resolve("b"), "two");
            // The kernel checks that an exchange's target exists before it asks the filesystem.
            for (String step : List.of("c noreplace", "b exchange", "c whiteout")) {
                String[] words = step.split(" ");
                assertThat(shell.error("rename2 " + m.dir().resolve("a") + " " + m.dir().resolve(words[0]) + " "
                        + words[1])).as(step).isEqualTo("EINVAL");
            }
            assertThat(m.dir().resolve("a")).hasContent("one");
            assertThat(m.dir().resolve("b")).hasContent("two");
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
        return Unchecked.call(() -> Files.readString(path));
    }
}
