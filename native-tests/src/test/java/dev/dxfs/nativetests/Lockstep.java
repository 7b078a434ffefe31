package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scripts of {@code fsmodel}'s operations (see {@link FsModelTest}) run in lockstep on a plain
 * directory and in a mount, each in a new directory on both sides: every call's answers are
 * compared as it runs, the trees at the end.
 */
final class Lockstep {
    private final MountedDir mounted;
    private final Path plain;
    private final AtomicInteger scripts = new AtomicInteger();

    Lockstep(MountedDir mounted) {
        this.mounted = mounted;
        this.plain = mounted.scratch().resolve("plain");
    }

    /** What one script answered: a line per operation, then the final comparisons. */
    record Answers(List<String> operations, List<String> lines, Run run) {
        /** Fails with the last operations and their answers unless the two roots answered alike throughout. */
        void assertAlike() {
            assertThat(run.exit()).as("the first disagreement, after:\n%s", transcript()).isZero();
            assertThat(run.err()).isEmpty();
            assertThat(lines).as("one answer per operation, then the final comparisons")
                    .hasSizeGreaterThan(operations.size());
        }

        /** The reasons of the operations not run, as fsmodel judged them beforehand. */
        List<String> skipped() {
            return lines.stream().filter(answer -> answer.startsWith("skip ")).map(skip -> skip.substring(5))
                    .toList();
        }

        /** The last operations with their answers: a diff line shows both roots' answers. */
        private String transcript() {
            StringBuilder text = new StringBuilder();
            for (int i = Math.max(0, lines.size() - 40); i < lines.size(); i++) {
                text.append(i < operations.size() ? operations.get(i) : "(end)").append("  ->  ")
                        .append(lines.get(i).replace("\t", "\n        | mount: ")).append('\n');
            }
            return text.toString();
        }
    }

    Answers run(List<String> operations) throws IOException {
        String name = "seq-" + scripts.incrementAndGet();
        Path reference = Files.createDirectories(plain.resolve(name));
        Path other = Files.createDirectories(mounted.dir().resolve(name));
        Path script = Files.write(mounted.scratch().resolve(name + ".ops"), operations);
        Run run = Run.of(List.of(NativePrograms.c("fsmodel").toString(), reference.toString(), other.toString(),
                script.toString()));
        return new Answers(operations, run.out().lines().toList(), run);
    }
}
